#include "frontend/http/rest_handler.h"

#include <utility>

#include "core/shared_memory_parameters.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "frontend/http/config_codec.h"
#include "frontend/http/trace_settings_codec.h"
#include "frontend/http/console/console_assets.h"
#include "frontend/http/console/console_state.h"
#include "frontend/http/console/process_usage.h"
#include "frontend/http/json_request_codec.h"
#include "frontend/http/json_response_codec.h"
#include "frontend/http/log_settings_codec.h"
#include "frontend/http/raw_request_codec.h"
#include "frontend/http/repository_codec.h"
#include "frontend/http/rest_router.h"
#include "frontend/http/shared_memory_codec.h"
#include "frontend/http/stats_codec.h"
#include "frontend/wire_status.h"

namespace tensord::http {
namespace {

RestResponse JsonResponse(std::string body) { return {.status = 200, .body = std::move(body)}; }

// The reply to a finished inference; runs on the connection's thread.
RestResponse InferReply(InferResult result, const OutputFormat& format, std::string_view model) {
  if (!result.ok()) return ErrorResponse(result.status());
  InferResponse& response = **result;
  if (response.model_name.empty()) response.model_name = std::string(model);
  absl::StatusOr<EncodedResponse> encoded = EncodeInferResponse(response, format);
  if (!encoded.ok()) return ErrorResponse(encoded.status());
  return {.status = 200,
          .body = std::move(encoded->body),
          .inference_header_length = encoded->header_length};
}

// Readiness routes answer 400 for "known but not ready", as Triton does.
RestResponse ReadinessResponse(const absl::Status& status) {
  if (status.ok()) return {.status = 200};
  if (status.code() == absl::StatusCode::kUnavailable) return ErrorResponse(400, Message(status));
  return ErrorResponse(status);
}

auth::Action ActionOf(RouteKind kind) {
  switch (kind) {
    case RouteKind::kHealthLive:
    case RouteKind::kHealthReady:
      return auth::Action::kHealth;
    case RouteKind::kServerMetadata:
    case RouteKind::kModelMetadata:
    case RouteKind::kModelReady:
    case RouteKind::kModelConfig:
      return auth::Action::kMetadata;
    case RouteKind::kModelInfer:
      return auth::Action::kInfer;
    case RouteKind::kModelStats:
    case RouteKind::kConsoleState:
      return auth::Action::kStatistics;
    case RouteKind::kConsolePage:  // never checked (see RestHandler's constructor)
    case RouteKind::kConsoleAsset:
      return auth::Action::kMetadata;
    case RouteKind::kRepositoryIndex:
      return auth::Action::kRepositoryIndex;
    case RouteKind::kModelLoad:
    case RouteKind::kModelUnload:
      return auth::Action::kModelControl;
    case RouteKind::kSharedMemoryStatus:
    case RouteKind::kSharedMemoryRegister:
    case RouteKind::kSharedMemoryUnregister:
    case RouteKind::kCudaSharedMemoryStatus:
    case RouteKind::kCudaSharedMemoryChange:
      return auth::Action::kSharedMemory;
    case RouteKind::kLogging:
    case RouteKind::kTraceSetting:
      return auth::Action::kLogging;
  }
  return auth::Action::kModelControl;
}

bool IsConsoleRoute(RouteKind kind) {
  return kind == RouteKind::kConsolePage || kind == RouteKind::kConsoleAsset ||
         kind == RouteKind::kConsoleState;
}

}  // namespace

RestResponse AuthErrorResponse(const absl::Status& status) {
  RestResponse response = ErrorResponse(status);
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    response.www_authenticate = "Bearer realm=\"tensord\"";
  }
  return response;
}

RestResponse ErrorResponse(const absl::Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), Message(status));
}

RestResponse ErrorResponse(int http_status, std::string_view message) {
  return {.status = http_status, .body = ErrorJson(message)};
}

void RestHandler::Handle(const RestRequest& request, const Post& post, Reply reply) {
  absl::StatusOr<Route> route = MatchRoute(request.target);
  if (!route.ok()) {
    std::move(reply)(ErrorResponse(route.status()));
    return;
  }
  if (request.seldon_model && !request.seldon_model->empty() &&
      (route->kind == RouteKind::kModelInfer || route->kind == RouteKind::kModelReady ||
       route->kind == RouteKind::kModelMetadata)) {
    route->model = std::string(*request.seldon_model);  // Seldon's mesh routes by the header
    route->version.clear();
  }
  const bool console_file =
      route->kind == RouteKind::kConsolePage || route->kind == RouteKind::kConsoleAsset;
  if (IsConsoleRoute(route->kind) && !console_.enabled) {
    std::move(reply)(
        ErrorResponse(404, fmt::format("no route for '{}': the console is off (--console=false)",
                                       request.target.substr(0, request.target.find('?')))));
    return;
  }
  if (auth_ != nullptr && !console_file) {
    const std::string what =
        fmt::format("{} {}", request.method, request.target.substr(0, request.target.find('?')));
    absl::Status allowed = auth_->Check(
        ActionOf(route->kind),
        {.authorization = request.authorization, .common_name = request.peer_common_name}, what);
    if (!allowed.ok()) {
      std::move(reply)(AuthErrorResponse(allowed));
      return;
    }
  }
  const std::string_view allowed = AllowedMethod(route->kind);
  if (!MethodAllowed(route->kind, request.method)) {
    RestResponse response = ErrorResponse(
        405, fmt::format("method {} is not allowed for '{}' (allowed: {})",
                         request.head ? std::string_view("HEAD") : request.method,
                         request.target.substr(0, request.target.find('?')), allowed));
    response.allow = allowed;
    std::move(reply)(std::move(response));
    return;
  }
  switch (route->kind) {
    case RouteKind::kServerMetadata: {
      const ServerMetadata info = service_.Metadata();
      std::move(reply)(
          JsonResponse(EncodeServerMetadata(info.name, info.version, info.extensions)));
      return;
    }
    case RouteKind::kHealthLive:
      std::move(reply)(service_.IsLive() ? RestResponse{.status = 200}
                                         : ErrorResponse(400, "the server is not live"));
      return;
    case RouteKind::kHealthReady:
      std::move(reply)(service_.IsReady() ? RestResponse{.status = 200}
                                          : ErrorResponse(400, "the server is not ready"));
      return;
    case RouteKind::kModelMetadata: {
      absl::StatusOr<ModelMetadata> metadata =
          service_.GetModelMetadata(route->model, route->version);
      std::move(reply)(metadata.ok() ? JsonResponse(EncodeModelMetadata(*metadata))
                                     : ErrorResponse(metadata.status()));
      return;
    }
    case RouteKind::kModelReady:
      std::move(reply)(ReadinessResponse(service_.ModelReady(route->model, route->version)));
      return;
    case RouteKind::kModelInfer:
      Infer(request, std::move(route->model), std::move(route->version), post, std::move(reply));
      return;
    case RouteKind::kModelStats: {
      absl::StatusOr<std::vector<ModelStats>> stats =
          service_.GetModelStats(route->model, route->version);
      std::move(reply)(stats.ok() ? JsonResponse(EncodeModelStats(*stats))
                                  : ErrorResponse(stats.status()));
      return;
    }
    case RouteKind::kModelConfig:
      std::move(reply)(ConfigResponse(route->model, route->version));
      return;
    case RouteKind::kRepositoryIndex: {
      absl::StatusOr<bool> ready = DecodeIndexRequest(*request.body);
      if (!ready.ok()) {
        std::move(reply)(ErrorResponse(ready.status()));
        return;
      }
      std::move(reply)(JsonResponse(EncodeRepositoryIndex(service_.RepositoryIndex(*ready))));
      return;
    }
    case RouteKind::kModelLoad:
    case RouteKind::kModelUnload:
      LoadOrUnload(request, route->kind, std::move(route->model), post, std::move(reply));
      return;
    case RouteKind::kSharedMemoryStatus:
    case RouteKind::kSharedMemoryRegister:
    case RouteKind::kSharedMemoryUnregister:
    case RouteKind::kCudaSharedMemoryStatus:
    case RouteKind::kCudaSharedMemoryChange:
      std::move(reply)(SharedMemoryResponse(request, *route));
      return;
    case RouteKind::kLogging: {
      if (request.method == "GET") {
        std::move(reply)(JsonResponse(EncodeLogSettings(service_.GetLogSettings())));
        return;
      }
      absl::StatusOr<LogSettingsUpdate> update = DecodeLogSettingsUpdate(*request.body);
      absl::StatusOr<LogSettings> settings =
          update.ok() ? service_.UpdateLogSettings(*update)
                      : absl::StatusOr<LogSettings>(update.status());
      std::move(reply)(settings.ok() ? JsonResponse(EncodeLogSettings(*settings))
                                     : ErrorResponse(settings.status()));
      return;
    }
    case RouteKind::kTraceSetting: {
      absl::StatusOr<TraceSettingsMap> settings;
      if (request.method == "GET") {
        settings = service_.GetTraceSettings(route->model);
      } else {
        absl::StatusOr<TraceSettingsMap> update = DecodeTraceSettingsUpdate(*request.body);
        settings = update.ok() ? service_.UpdateTraceSettings(route->model, *update)
                               : absl::StatusOr<TraceSettingsMap>(update.status());
      }
      std::move(reply)(settings.ok() ? JsonResponse(EncodeTraceSettings(*settings))
                                     : ErrorResponse(settings.status()));
      return;
    }
    case RouteKind::kConsolePage:
    case RouteKind::kConsoleAsset:
    case RouteKind::kConsoleState:
      std::move(reply)(ConsoleResponse(*route));
      return;
  }
}

RestResponse RestHandler::ConsoleResponse(const Route& route) {
  if (route.kind == RouteKind::kConsoleState) {
    // Read on demand only: nothing is sampled while nobody looks.
    absl::StatusOr<ProcessUsage> usage = ReadProcessUsage();
    if (!usage.ok()) return ErrorResponse(usage.status());
    absl::StatusOr<std::vector<ModelStats>> stats = service_.GetModelStats("", "");
    if (!stats.ok()) return ErrorResponse(stats.status());
    return JsonResponse(EncodeConsoleState({.server = service_.Metadata(),
                                            .usage = *usage,
                                            .model_control_mode = console_.model_control_mode,
                                            .models = *std::move(stats)}));
  }
  const std::string_view name =
      route.kind == RouteKind::kConsolePage ? std::string_view("console.html") : route.asset;
  std::optional<ConsoleAsset> asset = FindConsoleAsset(name);
  if (!asset) {
    std::string names;
    for (std::string_view known : ConsoleAssetNames()) {
      names += names.empty() ? "" : ", ";
      names += known;
    }
    return ErrorResponse(404, fmt::format("no console file '{}' (the console serves /console and "
                                          "/console/<file> for the files {})",
                                          name, names));
  }
  return {.status = 200, .body = std::string(asset->body), .content_type = asset->content_type};
}

RestResponse RestHandler::SharedMemoryResponse(const RestRequest& request, const Route& route) {
  switch (route.kind) {
    case RouteKind::kSharedMemoryStatus: {
      absl::StatusOr<std::vector<SharedMemoryRegion>> regions =
          service_.SystemSharedMemoryStatus(route.region);
      if (!regions.ok()) return ErrorResponse(regions.status());
      return JsonResponse(EncodeSharedMemoryStatus(*regions));
    }
    case RouteKind::kSharedMemoryRegister: {
      absl::StatusOr<SharedMemoryRegion> region = DecodeRegisterRequest(*request.body, route.region);
      if (!region.ok()) return ErrorResponse(region.status());
      absl::Status registered = service_.RegisterSystemSharedMemory(*region);
      return registered.ok() ? RestResponse{.status = 200} : ErrorResponse(registered);
    }
    case RouteKind::kSharedMemoryUnregister: {
      absl::Status unregistered = service_.UnregisterSystemSharedMemory(route.region);
      return unregistered.ok() ? RestResponse{.status = 200} : ErrorResponse(unregistered);
    }
    default:
      return ErrorResponse(absl::UnimplementedError(std::string(kCudaSharedMemoryUnsupported)));
  }
}

RestResponse RestHandler::ConfigResponse(const std::string& model, const std::string& version) {
  absl::StatusOr<ModelConfig> config = service_.GetModelConfig(model, version);
  if (!config.ok()) return ErrorResponse(config.status());
  return JsonResponse(EncodeModelConfig(*config));
}

void RestHandler::LoadOrUnload(const RestRequest& request, RouteKind kind, std::string model,
                               const Post& post, Reply reply) {
  ModelLoadOptions load;
  if (kind == RouteKind::kModelLoad) {
    absl::StatusOr<ModelLoadOptions> decoded = DecodeLoadRequest(*request.body);
    if (!decoded.ok()) {
      std::move(reply)(ErrorResponse(decoded.status()));
      return;
    }
    load = *std::move(decoded);
  } else if (absl::Status valid = DecodeUnloadRequest(*request.body); !valid.ok()) {
    std::move(reply)(ErrorResponse(valid));
    return;
  }
  // A load can take seconds: the service runs it on its load executor, and the outcome is
  // posted back to this connection's thread like an inference's. Stop waits for it
  // through the in-flight count.
  inflight_->Add();
  StatusCallback done = [inflight = inflight_, post,
                         reply = std::move(reply)](absl::Status status) mutable {
    {
      Post post_to_io = std::move(post);
      post_to_io([status = std::move(status), reply = std::move(reply)]() mutable {
        std::move(reply)(status.ok() ? RestResponse{.status = 200} : ErrorResponse(status));
      });
    }
    inflight->Done();  // last: Stop may then destroy what `post` targets
  };
  if (kind == RouteKind::kModelLoad) {
    service_.LoadModelAsync(model, std::move(load), std::move(done));
  } else {
    service_.UnloadModelAsync(model, std::move(done));
  }
}

void RestHandler::Infer(const RestRequest& request, std::string model, std::string version,
                        const Post& post, Reply reply) {
  // The access log sees every reply of an infer route, failures before queueing included.
  std::shared_ptr<std::string> request_id;
  if (AccessLog* log = access_log_) {
    request_id = std::make_shared<std::string>();
    reply = [log, request_id, arrival = request.arrival, method = std::string(request.method),
             path = std::string(request.target.substr(0, request.target.find('?'))), model, version,
             inner = std::move(reply)](RestResponse response) mutable {
      const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - arrival);
      log->Log({.protocol = "http",
                .method = method,
                .path = path,
                .model = model,
                .version = version,
                .http_status = response.status,
                .latency_us = latency.count(),
                .request_id = *request_id});
      std::move(inner)(std::move(response));
    };
  }
  absl::StatusOr<std::optional<size_t>> header_length =
      ParseHeaderLength(request.inference_header_length);
  if (!header_length.ok()) {
    std::move(reply)(ErrorResponse(header_length.status()));
    return;
  }
  absl::StatusOr<std::unique_ptr<InferRequest>> decoded;
  if (*header_length == 0u) {
    // A raw binary request: the model's config says what the body is.
    absl::StatusOr<ModelConfig> config = service_.GetModelConfig(model, version);
    if (!config.ok()) {
      std::move(reply)(ErrorResponse(config.status()));
      return;
    }
    decoded = DecodeRawInferRequest(request.body, *config);
  } else {
    decoded = DecodeInferRequest(request.body, {.header_length = *header_length});
  }
  if (!decoded.ok()) {
    std::move(reply)(ErrorResponse(decoded.status()));
    return;
  }
  if (absl::Status within = CheckRequestLimits(**decoded, limits_); !within.ok()) {
    std::move(reply)(ErrorResponse(within));
    return;
  }
  std::unique_ptr<InferRequest>& infer_request = *decoded;
  if (request_id) *request_id = infer_request->id;
  infer_request->model_name = model;
  infer_request->model_version = std::move(version);
  infer_request->arrival = request.arrival;
  infer_request->cancelled = request.cancelled;
  OutputFormat format = OutputFormatFor(*infer_request);

  inflight_->Add();
  service_.InferAsync(
      std::move(infer_request),
      [inflight = inflight_, post, reply = std::move(reply), format = std::move(format),
       model = std::move(model)](InferResult result) mutable {
        {
          // Encoding happens on the connection's thread: at once when the inference ran to
          // completion there; otherwise the scheduler thread that runs this callback goes
          // straight back to inference.
          Post post_to_io = std::move(post);
          post_to_io([result = std::move(result), reply = std::move(reply),
                      format = std::move(format), model = std::move(model)]() mutable {
            std::move(reply)(InferReply(std::move(result), format, model));
          });
        }
        // Last: after this, HttpServer::Stop may destroy the context posted to.
        inflight->Done();
      });
}

}  // namespace tensord::http

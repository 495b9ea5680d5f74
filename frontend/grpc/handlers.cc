#include "frontend/grpc/handlers.h"

#include "fmt/format.h"
#include "frontend/grpc/metadata_codec.h"
#include "frontend/grpc/status_code.h"

namespace tensord::grpc {

::grpc::Status HandleServerLive(InferenceService& service, const inference::ServerLiveRequest&,
                                inference::ServerLiveResponse* response) {
  response->set_live(service.IsLive());
  return ::grpc::Status::OK;
}

::grpc::Status HandleServerReady(InferenceService& service, const inference::ServerReadyRequest&,
                                 inference::ServerReadyResponse* response) {
  response->set_ready(service.IsReady());
  return ::grpc::Status::OK;
}

::grpc::Status HandleModelReady(InferenceService& service, const inference::ModelReadyRequest& request,
                                inference::ModelReadyResponse* response) {
  response->set_ready(service.ModelReady(request.name(), request.version()).ok());
  return ::grpc::Status::OK;
}

::grpc::Status HandleServerMetadata(InferenceService& service, const inference::ServerMetadataRequest&,
                                    inference::ServerMetadataResponse* response) {
  ServerMetadataToProto(service.Metadata(), response);
  return ::grpc::Status::OK;
}

::grpc::Status HandleModelMetadata(InferenceService& service, const inference::ModelMetadataRequest& request,
                                   inference::ModelMetadataResponse* response) {
  absl::StatusOr<ModelMetadata> metadata =
      service.GetModelMetadata(request.name(), request.version());
  if (!metadata.ok()) return ToGrpcStatus(metadata.status());
  ModelMetadataToProto(*metadata, response);
  return ::grpc::Status::OK;
}

::grpc::Status HandleModelConfig(InferenceService& service, const inference::ModelConfigRequest& request,
                                 inference::ModelConfigResponse* response) {
  absl::StatusOr<ModelConfig> config = service.GetModelConfig(request.name(), request.version());
  if (!config.ok()) return ToGrpcStatus(config.status());
  ModelConfigToProto(*config, response->mutable_config());
  return ::grpc::Status::OK;
}

namespace {

void SetDuration(inference::StatisticDuration* duration, uint64_t count, uint64_t ns) {
  duration->set_count(count);
  duration->set_ns(ns);
}

void StatsToProto(const ModelStats& model, inference::ModelStatistics* proto) {
  const InferenceStats& s = model.stats;
  const uint64_t executed = ExecutedRequests(s);
  proto->set_name(model.name);
  proto->set_version(model.version);
  const auto last_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(s.last_inference.time_since_epoch())
          .count();
  proto->set_last_inference(static_cast<uint64_t>(last_ms > 0 ? last_ms : 0));
  proto->set_inference_count(s.inference_count);
  proto->set_execution_count(s.execution_count);
  inference::InferStatistics* infer = proto->mutable_inference_stats();
  SetDuration(infer->mutable_success(), s.success_count, s.success_ns);
  SetDuration(infer->mutable_fail(), s.failure_count, s.failure_ns);
  SetDuration(infer->mutable_queue(), executed, s.queue_ns);
  SetDuration(infer->mutable_compute_input(), executed, s.compute_input_ns);
  SetDuration(infer->mutable_compute_infer(), executed, s.compute_infer_ns);
  SetDuration(infer->mutable_compute_output(), executed, s.compute_output_ns);
  infer->mutable_cache_hit();
  infer->mutable_cache_miss();
  for (const auto& [size, batch] : s.batch_stats) {
    inference::InferBatchStatistics* out = proto->add_batch_stats();
    out->set_batch_size(static_cast<uint64_t>(size));
    SetDuration(out->mutable_compute_input(), batch.count, batch.compute_input_ns);
    SetDuration(out->mutable_compute_infer(), batch.count, batch.compute_infer_ns);
    SetDuration(out->mutable_compute_output(), batch.count, batch.compute_output_ns);
  }
}

}  // namespace

::grpc::Status HandleModelStatistics(InferenceService& service,
                                     const inference::ModelStatisticsRequest& request,
                                     inference::ModelStatisticsResponse* response) {
  absl::StatusOr<std::vector<ModelStats>> stats =
      service.GetModelStats(request.name(), request.version());
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  for (const ModelStats& model : *stats) StatsToProto(model, response->add_model_stats());
  return ::grpc::Status::OK;
}

::grpc::Status HandleRepositoryIndex(InferenceService& service,
                                     const inference::RepositoryIndexRequest& request,
                                     inference::RepositoryIndexResponse* response) {
  for (const ModelVersionStatus& row : service.RepositoryIndex(request.ready())) {
    inference::RepositoryIndexResponse::ModelIndex* out = response->add_models();
    out->set_name(row.name);
    out->set_version(row.version);
    out->set_state(std::string(ModelStateName(row.state)));
    out->set_reason(row.reason);
  }
  return ::grpc::Status::OK;
}

void StartRepositoryModelLoad(InferenceService& service,
                              const inference::RepositoryModelLoadRequest& request, GrpcDone done) {
  ModelLoadOptions options;
  for (const auto& [key, value] : request.parameters()) {
    if (key.starts_with(kFileParameterPrefix)) {
      // Triton's load from memory: the file's bytes (bytes_param).
      if (value.parameter_choice_case() != inference::ModelRepositoryParameter::kBytesParam) {
        std::move(done)(::grpc::Status(
            ::grpc::StatusCode::INVALID_ARGUMENT,
            fmt::format("parameter '{}' must be a bytes_param holding the file's content", key)));
        return;
      }
      options.files.push_back({.path = key.substr(kFileParameterPrefix.size()),
                               .content = value.bytes_param()});
      continue;
    }
    if (key != "config") continue;
    if (value.parameter_choice_case() != inference::ModelRepositoryParameter::kStringParam) {
      std::move(done)(::grpc::Status(::grpc::StatusCode::INVALID_ARGUMENT,
                                     "parameter 'config' must be a string_param holding the JSON "
                                     "model configuration"));
      return;
    }
    options.config_json = value.string_param();
  }
  service.LoadModelAsync(request.model_name(), std::move(options),
                         [done = std::move(done)](absl::Status status) mutable {
                           std::move(done)(ToGrpcStatus(status));
                         });
}

void StartRepositoryModelUnload(InferenceService& service,
                                const inference::RepositoryModelUnloadRequest& request,
                                GrpcDone done) {
  service.UnloadModelAsync(request.model_name(),
                           [done = std::move(done)](absl::Status status) mutable {
                             std::move(done)(ToGrpcStatus(status));
                           });
}

::grpc::Status HandleSystemSharedMemoryStatus(InferenceService& service,
                                              const inference::SystemSharedMemoryStatusRequest& request,
                                              inference::SystemSharedMemoryStatusResponse* response) {
  absl::StatusOr<std::vector<SharedMemoryRegion>> regions =
      service.SystemSharedMemoryStatus(request.name());
  if (!regions.ok()) return ToGrpcStatus(regions.status());
  for (const SharedMemoryRegion& region : *regions) {
    inference::SystemSharedMemoryStatusResponse::RegionStatus& out =
        (*response->mutable_regions())[region.name];
    out.set_name(region.name);
    out.set_key(region.key);
    out.set_offset(region.offset);
    out.set_byte_size(region.byte_size);
  }
  return ::grpc::Status::OK;
}

::grpc::Status HandleSystemSharedMemoryRegister(
    InferenceService& service, const inference::SystemSharedMemoryRegisterRequest& request,
    inference::SystemSharedMemoryRegisterResponse*) {
  return ToGrpcStatus(service.RegisterSystemSharedMemory({.name = request.name(),
                                                          .key = request.key(),
                                                          .offset = request.offset(),
                                                          .byte_size = request.byte_size()}));
}

::grpc::Status HandleSystemSharedMemoryUnregister(
    InferenceService& service, const inference::SystemSharedMemoryUnregisterRequest& request,
    inference::SystemSharedMemoryUnregisterResponse*) {
  return ToGrpcStatus(service.UnregisterSystemSharedMemory(request.name()));
}

::grpc::Status HandleLogSettings(InferenceService& service,
                                 const inference::LogSettingsRequest& request,
                                 inference::LogSettingsResponse* response) {
  LogSettings settings;
  if (request.settings().empty()) {
    settings = service.GetLogSettings();
  } else {
    LogSettingsUpdate update;
    for (const auto& [key, value] : request.settings()) {
      switch (value.parameter_choice_case()) {
        case inference::LogSettingsRequest::SettingValue::kBoolParam:
          update.insert_or_assign(key, value.bool_param());
          break;
        case inference::LogSettingsRequest::SettingValue::kUint32Param:
          update.insert_or_assign(key, static_cast<uint64_t>(value.uint32_param()));
          break;
        case inference::LogSettingsRequest::SettingValue::kStringParam:
          update.insert_or_assign(key, value.string_param());
          break;
        default:
          return ::grpc::Status(::grpc::StatusCode::INVALID_ARGUMENT,
                                fmt::format("log settings: '{}' has no value", key));
      }
    }
    absl::StatusOr<LogSettings> updated = service.UpdateLogSettings(update);
    if (!updated.ok()) return ToGrpcStatus(updated.status());
    settings = *std::move(updated);
  }
  auto& out = *response->mutable_settings();
  out["log_file"].set_string_param(settings.log_file);
  out["log_info"].set_bool_param(settings.log_info);
  out["log_warning"].set_bool_param(settings.log_warning);
  out["log_error"].set_bool_param(settings.log_error);
  out["log_verbose_level"].set_uint32_param(settings.log_verbose_level);
  out["log_format"].set_string_param(settings.log_format);
  return ::grpc::Status::OK;
}

::grpc::Status HandleTraceSetting(InferenceService& service,
                                  const inference::TraceSettingRequest& request,
                                  inference::TraceSettingResponse* response) {
  absl::StatusOr<TraceSettingsMap> settings;
  if (request.settings().empty()) {
    settings = service.GetTraceSettings(request.model_name());
  } else {
    // An empty value list drops a model's own value (Triton's "null").
    TraceSettingsMap update;
    for (const auto& [key, value] : request.settings()) {
      update[key] = std::vector<std::string>(value.value().begin(), value.value().end());
    }
    settings = service.UpdateTraceSettings(request.model_name(), update);
  }
  if (!settings.ok()) return ToGrpcStatus(settings.status());
  auto& out = *response->mutable_settings();
  for (const auto& [name, values] : *settings) {
    for (const std::string& value : values) out[name].add_value(value);
    if (values.empty()) out[name];
  }
  return ::grpc::Status::OK;
}

}  // namespace tensord::grpc

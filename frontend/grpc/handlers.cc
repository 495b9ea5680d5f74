#include "frontend/grpc/handlers.h"

#include "fmt/format.h"
#include "frontend/grpc/metadata_codec.h"
#include "frontend/grpc/status_code.h"

namespace tensord::grpc {

::grpc::Status HandleServerLive(Server& server, const inference::ServerLiveRequest&,
                                inference::ServerLiveResponse* response) {
  response->set_live(server.IsLive());
  return ::grpc::Status::OK;
}

::grpc::Status HandleServerReady(Server& server, const inference::ServerReadyRequest&,
                                 inference::ServerReadyResponse* response) {
  response->set_ready(server.IsReady());
  return ::grpc::Status::OK;
}

::grpc::Status HandleModelReady(Server& server, const inference::ModelReadyRequest& request,
                                inference::ModelReadyResponse* response) {
  response->set_ready(server.ModelReady(request.name(), request.version()).ok());
  return ::grpc::Status::OK;
}

::grpc::Status HandleServerMetadata(Server& server, const inference::ServerMetadataRequest&,
                                    inference::ServerMetadataResponse* response) {
  ServerMetadataToProto(server.Metadata(), response);
  return ::grpc::Status::OK;
}

::grpc::Status HandleModelMetadata(Server& server, const inference::ModelMetadataRequest& request,
                                   inference::ModelMetadataResponse* response) {
  absl::StatusOr<ModelMetadata> metadata =
      server.GetModelMetadata(request.name(), request.version());
  if (!metadata.ok()) return ToGrpcStatus(metadata.status());
  ModelMetadataToProto(*metadata, response);
  return ::grpc::Status::OK;
}

::grpc::Status HandleModelConfig(Server& server, const inference::ModelConfigRequest& request,
                                 inference::ModelConfigResponse* response) {
  absl::StatusOr<ModelConfig> config = server.GetModelConfig(request.name(), request.version());
  if (!config.ok()) return ToGrpcStatus(config.status());
  // The instance count the scheduler runs, which the config may leave to the server
  // (--parallel-workers), as the REST frontend reports it.
  absl::StatusOr<std::vector<ModelStats>> stats =
      server.GetModelStats(request.name(), request.version());
  if (stats.ok() && !stats->empty() && stats->back().stats.instance_count > 0) {
    config->instance_count = static_cast<int>(stats->back().stats.instance_count);
  }
  ModelConfigToProto(*config, response->mutable_config());
  return ::grpc::Status::OK;
}

namespace {

void SetDuration(inference::StatisticDuration* duration, uint64_t count, uint64_t ns) {
  duration->set_count(count);
  duration->set_ns(ns);
}

void StatsToProto(const ModelStats& model, inference::ModelStatistics* proto) {
  const scheduler::SchedulerStats& s = model.stats;
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

::grpc::Status HandleModelStatistics(Server& server,
                                     const inference::ModelStatisticsRequest& request,
                                     inference::ModelStatisticsResponse* response) {
  absl::StatusOr<std::vector<ModelStats>> stats =
      server.GetModelStats(request.name(), request.version());
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  for (const ModelStats& model : *stats) StatsToProto(model, response->add_model_stats());
  return ::grpc::Status::OK;
}

::grpc::Status HandleRepositoryIndex(Server& server,
                                     const inference::RepositoryIndexRequest& request,
                                     inference::RepositoryIndexResponse* response) {
  for (const ModelVersionStatus& row : server.RepositoryIndex(request.ready())) {
    inference::RepositoryIndexResponse::ModelIndex* out = response->add_models();
    out->set_name(row.name);
    out->set_version(row.version);
    out->set_state(std::string(ModelStateName(row.state)));
    out->set_reason(row.reason);
  }
  return ::grpc::Status::OK;
}

::grpc::Status HandleRepositoryModelLoad(Server& server,
                                         const inference::RepositoryModelLoadRequest& request,
                                         inference::RepositoryModelLoadResponse*) {
  ModelLoadOptions options;
  for (const auto& [key, value] : request.parameters()) {
    if (key.starts_with("file:")) {
      return ::grpc::Status(
          ::grpc::StatusCode::INVALID_ARGUMENT,
          fmt::format("parameter '{}' is not supported: tensord loads model files only from "
                      "its repository folder",
                      key));
    }
    if (key != "config") continue;
    if (value.parameter_choice_case() != inference::ModelRepositoryParameter::kStringParam) {
      return ::grpc::Status(::grpc::StatusCode::INVALID_ARGUMENT,
                            "parameter 'config' must be a string_param holding the JSON model "
                            "configuration");
    }
    options.config_json = value.string_param();
  }
  return ToGrpcStatus(server.LoadModel(request.model_name(), options));
}

::grpc::Status HandleRepositoryModelUnload(Server& server,
                                           const inference::RepositoryModelUnloadRequest& request,
                                           inference::RepositoryModelUnloadResponse*) {
  return ToGrpcStatus(server.UnloadModel(request.model_name()));
}

}  // namespace tensord::grpc

#include "frontend/grpc/handlers.h"

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
  ModelConfigToProto(*config, response->mutable_config());
  return ::grpc::Status::OK;
}

}  // namespace tensord::grpc

// Handlers of the unary RPCs, run on the queue thread (health, metadata, configuration,
// statistics, and the model repository extension). Each turns Server results into the
// reply or a gRPC status. RepositoryModelLoad holds its queue thread until the load is
// over (a load is rare; run --grpc-threads 2 to keep serving meanwhile).
#pragma once

#include "core/server.h"
#include "grpc_service.pb.h"
#include "grpcpp/support/status.h"

namespace tensord::grpc {

::grpc::Status HandleServerLive(Server& server, const inference::ServerLiveRequest& request,
                                inference::ServerLiveResponse* response);
::grpc::Status HandleServerReady(Server& server, const inference::ServerReadyRequest& request,
                                 inference::ServerReadyResponse* response);
// ready=false (status OK) for unknown and not-ready models alike, as Triton answers.
::grpc::Status HandleModelReady(Server& server, const inference::ModelReadyRequest& request,
                                inference::ModelReadyResponse* response);
::grpc::Status HandleServerMetadata(Server& server, const inference::ServerMetadataRequest& request,
                                    inference::ServerMetadataResponse* response);
::grpc::Status HandleModelMetadata(Server& server, const inference::ModelMetadataRequest& request,
                                   inference::ModelMetadataResponse* response);
::grpc::Status HandleModelConfig(Server& server, const inference::ModelConfigRequest& request,
                                 inference::ModelConfigResponse* response);

// Triton's statistics: every ready version (empty name), one model's, or one version's.
::grpc::Status HandleModelStatistics(Server& server,
                                     const inference::ModelStatisticsRequest& request,
                                     inference::ModelStatisticsResponse* response);
// Every model version known, or only the READY ones (request.ready).
::grpc::Status HandleRepositoryIndex(Server& server,
                                     const inference::RepositoryIndexRequest& request,
                                     inference::RepositoryIndexResponse* response);
// Parameter "config" (string_param): the JSON configuration override.
::grpc::Status HandleRepositoryModelLoad(Server& server,
                                         const inference::RepositoryModelLoadRequest& request,
                                         inference::RepositoryModelLoadResponse* response);
::grpc::Status HandleRepositoryModelUnload(Server& server,
                                           const inference::RepositoryModelUnloadRequest& request,
                                           inference::RepositoryModelUnloadResponse* response);

// UNIMPLEMENTED, naming the RPC.
template <typename Request, typename Response>
::grpc::Status HandleUnimplemented(Server&, const Request& request, Response*) {
  return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                        request.GetDescriptor()->name() + ": not implemented by tensord yet");
}

}  // namespace tensord::grpc

// Handlers of the unary RPCs that answer at once, on the queue thread (health, metadata,
// configuration, and UNIMPLEMENTED for the statistics and repository RPCs until those
// features exist). Each turns Server results into the reply or a gRPC status.
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

// UNIMPLEMENTED, naming the RPC.
template <typename Request, typename Response>
::grpc::Status HandleUnimplemented(Server&, const Request& request, Response*) {
  return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                        request.GetDescriptor()->name() + ": not implemented by tensord yet");
}

}  // namespace tensord::grpc

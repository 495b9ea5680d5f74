// tensord's absl::Status as a gRPC status, by the table both frontends share
// (frontend/wire_status.h: gRPC's codes are absl's one to one).
//
//   responder.Finish(response, ToGrpcStatus(result.status()), tag);
//
// The message is passed through unchanged.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace tensord::grpc {

::grpc::StatusCode ToGrpcCode(absl::StatusCode code);
::grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace tensord::grpc

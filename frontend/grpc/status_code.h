// The one place where tensord's absl::Status becomes a gRPC status.
//
//   responder.Finish(response, ToGrpcStatus(result.status()), tag);
//
// InvalidArgument → INVALID_ARGUMENT, NotFound → NOT_FOUND, Unavailable → UNAVAILABLE,
// ResourceExhausted → RESOURCE_EXHAUSTED, DeadlineExceeded → DEADLINE_EXCEEDED,
// Cancelled → CANCELLED, Unimplemented → UNIMPLEMENTED; anything else is a server fault
// and becomes INTERNAL. The message is passed through unchanged.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace tensord::grpc {

::grpc::StatusCode ToGrpcCode(absl::StatusCode code);
::grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace tensord::grpc

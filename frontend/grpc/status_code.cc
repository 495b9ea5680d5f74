#include "frontend/grpc/status_code.h"

#include <string>

#include "core/status_util.h"

namespace tensord::grpc {

::grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return ::grpc::StatusCode::OK;
    case absl::StatusCode::kInvalidArgument:
      return ::grpc::StatusCode::INVALID_ARGUMENT;
    case absl::StatusCode::kNotFound:
      return ::grpc::StatusCode::NOT_FOUND;
    case absl::StatusCode::kUnavailable:
      return ::grpc::StatusCode::UNAVAILABLE;
    case absl::StatusCode::kResourceExhausted:
      return ::grpc::StatusCode::RESOURCE_EXHAUSTED;
    case absl::StatusCode::kDeadlineExceeded:
      return ::grpc::StatusCode::DEADLINE_EXCEEDED;
    case absl::StatusCode::kCancelled:
      return ::grpc::StatusCode::CANCELLED;
    case absl::StatusCode::kUnimplemented:
      return ::grpc::StatusCode::UNIMPLEMENTED;
    default:
      return ::grpc::StatusCode::INTERNAL;
  }
}

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  return ::grpc::Status(ToGrpcCode(status.code()), std::string(Message(status)));
}

}  // namespace tensord::grpc

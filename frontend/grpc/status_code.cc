#include "frontend/grpc/status_code.h"

#include <string>

#include "core/status_util.h"
#include "frontend/wire_status.h"

namespace tensord::grpc {

::grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  return static_cast<::grpc::StatusCode>(GrpcCodeFor(code));
}

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  return ::grpc::Status(ToGrpcCode(status.code()), std::string(Message(status)));
}

}  // namespace tensord::grpc

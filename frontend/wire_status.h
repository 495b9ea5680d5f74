// The one table that turns tensord's absl::Status codes into wire codes, for both
// frontends, so REST and gRPC never disagree about an error.
//
//   int http = HttpStatusFor(status.code());      // NotFound -> 404
//   int grpc = GrpcCodeFor(status.code());        // NotFound -> 5 (grpc::NOT_FOUND)
//
//   absl code                                  HTTP (Triton's conventions)   gRPC
//   Ok                                         200                           OK
//   InvalidArgument, OutOfRange,
//     FailedPrecondition                       400 Bad Request               same name
//   Unauthenticated                            401                           same name
//   PermissionDenied                           403                           same name
//   NotFound                                   404                           same name
//   AlreadyExists, Aborted                     409 Conflict                  same name
//   ResourceExhausted                          429 Too Many Requests         same name
//   Cancelled                                  499 Client Closed Request     same name
//   Unimplemented                              501                           same name
//   Unavailable                                503                           same name
//   DeadlineExceeded                           504                           same name
//   Internal, Unknown, DataLoss                500                           same name
//
// gRPC's codes are absl's one to one (absl took its numbering from gRPC), so a status
// keeps its meaning on gRPC; HTTP has fewer codes and follows Triton where Triton chose.
// Readiness routes answer 400 for "not ready" (Triton), which the REST handler decides.
#pragma once

#include "absl/status/status.h"

namespace tensord {

int HttpStatusFor(absl::StatusCode code);

// The numeric gRPC status code (grpc::StatusCode's value).
constexpr int GrpcCodeFor(absl::StatusCode code) { return static_cast<int>(code); }

}  // namespace tensord

#include "frontend/wire_status.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace tensord {
namespace {

// Every absl code, with the HTTP status and the gRPC code (by its documented number).
const std::vector<std::tuple<absl::StatusCode, int, int>>& Table() {
  static const std::vector<std::tuple<absl::StatusCode, int, int>> table = {
      {absl::StatusCode::kOk, 200, 0},
      {absl::StatusCode::kCancelled, 499, 1},
      {absl::StatusCode::kUnknown, 500, 2},
      {absl::StatusCode::kInvalidArgument, 400, 3},
      {absl::StatusCode::kDeadlineExceeded, 504, 4},
      {absl::StatusCode::kNotFound, 404, 5},
      {absl::StatusCode::kAlreadyExists, 409, 6},
      {absl::StatusCode::kPermissionDenied, 403, 7},
      {absl::StatusCode::kResourceExhausted, 429, 8},
      {absl::StatusCode::kFailedPrecondition, 400, 9},
      {absl::StatusCode::kAborted, 409, 10},
      {absl::StatusCode::kOutOfRange, 400, 11},
      {absl::StatusCode::kUnimplemented, 501, 12},
      {absl::StatusCode::kInternal, 500, 13},
      {absl::StatusCode::kUnavailable, 503, 14},
      {absl::StatusCode::kDataLoss, 500, 15},
      {absl::StatusCode::kUnauthenticated, 401, 16},
  };
  return table;
}

TEST(WireStatus, EveryCodeHasItsHttpStatus) {
  for (const auto& [code, http, grpc] : Table()) {
    EXPECT_EQ(HttpStatusFor(code), http) << absl::StatusCodeToString(code);
  }
}

TEST(WireStatus, GrpcCodesAreAbslOneToOne) {
  // The numbers are gRPC's (doc/statuscodes.md); FailedPrecondition and OutOfRange keep
  // their meaning instead of collapsing into INTERNAL.
  for (const auto& [code, http, grpc] : Table()) {
    EXPECT_EQ(GrpcCodeFor(code), grpc) << absl::StatusCodeToString(code);
  }
}

}  // namespace
}  // namespace tensord

#include "frontend/grpc/status_code.h"

#include "gtest/gtest.h"

namespace tensord::grpc {
namespace {

TEST(ToGrpcStatus, MapsEveryCodeTheProtocolNames) {
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kOk), ::grpc::StatusCode::OK);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kInvalidArgument), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kNotFound), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kUnavailable), ::grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kResourceExhausted),
            ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kDeadlineExceeded), ::grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kCancelled), ::grpc::StatusCode::CANCELLED);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kUnimplemented), ::grpc::StatusCode::UNIMPLEMENTED);
}

TEST(ToGrpcStatus, CodesWithoutAnHttpTwinKeepTheirMeaning) {
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kFailedPrecondition),
            ::grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kOutOfRange), ::grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kPermissionDenied), ::grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kInternal), ::grpc::StatusCode::INTERNAL);
}

TEST(ToGrpcStatus, KeepsTheMessage) {
  ::grpc::Status status = ToGrpcStatus(absl::NotFoundError("unknown model 'nope'"));
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "unknown model 'nope'");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace tensord::grpc

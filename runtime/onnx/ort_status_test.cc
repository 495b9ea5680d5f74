#include "runtime/onnx/ort_status.h"

#include <stdexcept>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace tensord::runtime::onnx {
namespace {

TEST(CleanOrtMessage, DropsSourcePathsAndSignatures) {
  EXPECT_EQ(CleanOrtMessage(
                "Non-zero status code returned while running Add node. Name:'add' Status "
                "Message: /onnxruntime_src/onnxruntime/core/providers/cpu/math/"
                "element_wise_ops.h:563 void onnxruntime::BroadcastIterator::Append(ptrdiff_t, "
                "ptrdiff_t) axis == 1 || axis == largest was false. Attempting to broadcast an "
                "axis by a dimension other than 1. 2 by 3\n"),
            "Non-zero status code returned while running Add node. Name:'add' Status Message: "
            "Attempting to broadcast an axis by a dimension other than 1. 2 by 3");
  EXPECT_EQ(CleanOrtMessage("Load failed: /onnxruntime_src/x/y.cc:12 bad thing"),
            "Load failed: bad thing");
  EXPECT_EQ(CleanOrtMessage("plain message \n"), "plain message");
}

TEST(OrtErrorToStatus, MapsCodes) {
  struct Case {
    OrtErrorCode code;
    OrtPhase phase;
    absl::StatusCode expected;
  };
  const Case cases[] = {
      {ORT_INVALID_ARGUMENT, OrtPhase::kRun, absl::StatusCode::kInvalidArgument},
      {ORT_INVALID_GRAPH, OrtPhase::kLoad, absl::StatusCode::kInvalidArgument},
      {ORT_INVALID_PROTOBUF, OrtPhase::kLoad, absl::StatusCode::kInvalidArgument},
      {ORT_NO_SUCHFILE, OrtPhase::kLoad, absl::StatusCode::kNotFound},
      {ORT_NOT_IMPLEMENTED, OrtPhase::kLoad, absl::StatusCode::kUnimplemented},
      {ORT_FAIL, OrtPhase::kRun, absl::StatusCode::kInvalidArgument},
      {ORT_RUNTIME_EXCEPTION, OrtPhase::kRun, absl::StatusCode::kInvalidArgument},
      {ORT_RUNTIME_EXCEPTION, OrtPhase::kLoad, absl::StatusCode::kInternal},
      {ORT_ENGINE_ERROR, OrtPhase::kRun, absl::StatusCode::kInternal},
      {ORT_EP_FAIL, OrtPhase::kRun, absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    absl::Status status = OrtErrorToStatus(c.code, "why", c.phase);
    EXPECT_EQ(status.code(), c.expected) << "ORT code " << static_cast<int>(c.code);
    EXPECT_EQ(Message(status), "why");
  }
}

TEST(GuardOrt, CatchesOrtExceptionsWithContext) {
  absl::Status status = GuardOrt(OrtPhase::kRun, "model 'm'", []() -> absl::Status {
    throw Ort::Exception("broadcast failed", ORT_FAIL);
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "model 'm': broadcast failed");
}

TEST(GuardOrt, CatchesOtherExceptions) {
  absl::StatusOr<int> value =
      GuardOrt(OrtPhase::kRun, "ctx", []() -> absl::StatusOr<int> { throw std::bad_alloc(); });
  EXPECT_EQ(value.status().code(), absl::StatusCode::kResourceExhausted);
  absl::StatusOr<int> other = GuardOrt(
      OrtPhase::kRun, "ctx", []() -> absl::StatusOr<int> { throw std::runtime_error("boom"); });
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Message(other.status()), "ctx: boom");
}

}  // namespace
}  // namespace tensord::runtime::onnx

#include "frontend/request_limits.h"

#include "gtest/gtest.h"

namespace tensord {
namespace {

InferRequest WithInputs(size_t count, Shape shape = {1}) {
  InferRequest request;
  for (size_t i = 0; i < count; ++i) {
    request.inputs.push_back({.name = "in" + std::to_string(i), .shape = shape});
  }
  return request;
}

TEST(RequestLimitsTest, AtTheLimitPasses) {
  EXPECT_TRUE(
      CheckRequestLimits(WithInputs(3, {2, 4}), {.max_tensors = 3, .max_elements = 8}).ok());
}

TEST(RequestLimitsTest, TooManyInputsOrOutputs) {
  absl::Status status = CheckRequestLimits(WithInputs(4), {.max_tensors = 3});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "request has 4 inputs, more than the limit of 3 (--max-tensors-per-request)");
  InferRequest request;
  request.outputs.resize(5);
  EXPECT_EQ(CheckRequestLimits(request, {.max_tensors = 3}).message(),
            "request asks for 5 outputs, more than the limit of 3 (--max-tensors-per-request)");
}

TEST(RequestLimitsTest, TooManyElements) {
  absl::Status status = CheckRequestLimits(WithInputs(1, {3, 3}), {.max_elements = 8});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "input 'in0' has 9 elements (shape [3,3]), more than the limit of 8 "
            "(--max-elements-per-tensor)");
  // An overflowing or negative shape is left to the validator's message.
  EXPECT_TRUE(CheckRequestLimits(WithInputs(1, {-1}), {.max_elements = 8}).ok());
}

}  // namespace
}  // namespace tensord

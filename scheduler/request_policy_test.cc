#include "scheduler/request_policy.h"

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/pending_request.h"

namespace tensord::scheduler {
namespace {

using std::chrono::microseconds;
using ::testing::HasSubstr;

TEST(RequestPolicy, DefaultsToNoTimeoutAndTheDefaultLevel) {
  absl::StatusOr<RequestPolicy> policy = ReadRequestPolicy(InferRequest{}, std::nullopt);
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->timeout, microseconds(0));
  EXPECT_EQ(policy->priority, kDefaultPriority);
}

TEST(RequestPolicy, ARequestTimeoutLowersButNeverRaisesTheModelDefault) {
  BatchingConfig batching{.default_timeout = microseconds(1000)};
  InferRequest request;
  EXPECT_EQ(ReadRequestPolicy(request, batching)->timeout, microseconds(1000));
  request.parameters["timeout"] = int64_t{200};
  EXPECT_EQ(ReadRequestPolicy(request, batching)->timeout, microseconds(200));
  request.parameters["timeout"] = int64_t{5000};
  EXPECT_EQ(ReadRequestPolicy(request, batching)->timeout, microseconds(1000));
  request.parameters["timeout"] = int64_t{0};
  EXPECT_EQ(ReadRequestPolicy(request, batching)->timeout, microseconds(1000));
  request.parameters["timeout"] = int64_t{5000};
  EXPECT_EQ(ReadRequestPolicy(request, std::nullopt)->timeout, microseconds(5000));
}

TEST(RequestPolicy, PriorityZeroIsTheDefaultLevel) {
  InferRequest request;
  request.parameters["priority"] = int64_t{0};
  EXPECT_EQ(ReadRequestPolicy(request, std::nullopt)->priority, kDefaultPriority);
  request.parameters["priority"] = int64_t{2};
  EXPECT_EQ(ReadRequestPolicy(request, std::nullopt)->priority, 2u);
}

TEST(RequestPolicy, RefusesValuesThatAreNotNonNegativeIntegers) {
  InferRequest request;
  request.parameters["timeout"] = 1.5;
  absl::StatusOr<RequestPolicy> policy = ReadRequestPolicy(request, std::nullopt);
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      Message(policy.status()),
      HasSubstr("request parameter 'timeout' must be a non-negative integer (microseconds)"));
  request.parameters.erase("timeout");
  request.parameters["priority"] = true;
  policy = ReadRequestPolicy(request, std::nullopt);
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(policy.status()),
              HasSubstr("request parameter 'priority' must be a non-negative integer"));
}

}  // namespace
}  // namespace tensord::scheduler

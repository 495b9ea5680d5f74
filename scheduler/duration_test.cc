// The saturating deadline and the batching-delay limits (scheduler/duration.h).
#include "scheduler/duration.h"

#include <cmath>
#include <limits>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::scheduler {
namespace {

using std::chrono::microseconds;
using ::testing::HasSubstr;

const Clock::TimePoint kNow = Clock::TimePoint{} + std::chrono::hours(1);

TEST(DeadlineAfter, AddsAnOrdinaryTimeout) {
  EXPECT_EQ(DeadlineAfter(kNow, microseconds(100)), kNow + microseconds(100));
}

TEST(DeadlineAfter, ZeroOrNegativeIsNoTimeout) {
  EXPECT_EQ(DeadlineAfter(kNow, microseconds(0)), Clock::TimePoint::max());
  EXPECT_EQ(DeadlineAfter(kNow, microseconds(-5)), Clock::TimePoint::max());
}

TEST(DeadlineAfter, SaturatesInsteadOfOverflowing) {
  // INT64_MAX microseconds does not even fit in the clock's nanoseconds.
  EXPECT_EQ(DeadlineAfter(kNow, microseconds::max()), Clock::TimePoint::max());
  // Fits in nanoseconds, but not added to now.
  const auto almost =
      std::chrono::duration_cast<microseconds>(Clock::Duration::max()) - microseconds(1);
  EXPECT_EQ(DeadlineAfter(kNow, almost), Clock::TimePoint::max());
  // Never earlier than now, whatever the timeout.
  for (int64_t us : {int64_t{1}, int64_t{1} << 40, int64_t{1} << 53, int64_t{1} << 62}) {
    EXPECT_GT(DeadlineAfter(kNow, microseconds(us)), kNow) << us;
  }
}

TEST(SaturatingMicroseconds, ClampsAtTheLargestDuration) {
  EXPECT_EQ(SaturatingMicroseconds(42), microseconds(42));
  EXPECT_EQ(SaturatingMicroseconds(std::numeric_limits<uint64_t>::max()), microseconds::max());
}

TEST(BatchDelay, AcceptsUpToSixtySeconds) {
  EXPECT_EQ(*BatchDelayFromMicroseconds(0, "f"), microseconds(0));
  EXPECT_EQ(*BatchDelayFromMicroseconds(60'000'000, "f"), microseconds(60'000'000));
  EXPECT_EQ(*BatchDelayFromSeconds(0.0015, "f"), microseconds(1500));
  EXPECT_EQ(*BatchDelayFromSeconds(60, "f"), microseconds(60'000'000));
}

TEST(BatchDelay, RefusesLongerNegativeAndNonFiniteDelays) {
  absl::StatusOr<microseconds> wrapped = BatchDelayFromMicroseconds(
      std::numeric_limits<uint64_t>::max(), "dynamic_batching: max_queue_delay_microseconds");
  EXPECT_EQ(wrapped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(wrapped.status()),
              HasSubstr("dynamic_batching: max_queue_delay_microseconds is "
                        "18446744073709551615; a batching delay must be a number from 0 to 60 s "
                        "(60000000 us)"));
  EXPECT_FALSE(BatchDelayFromMicroseconds(60'000'001, "f").ok());
  for (double seconds :
       {60.001, 1e12, 1e300, -1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    absl::StatusOr<microseconds> delay = BatchDelayFromSeconds(seconds, "max_batch_time");
    EXPECT_EQ(delay.status().code(), absl::StatusCode::kInvalidArgument) << seconds;
    EXPECT_THAT(Message(delay.status()), HasSubstr("max_batch_time is ")) << seconds;
  }
  EXPECT_THAT(Message(BatchDelayFromSeconds(1e300, "max_batch_time").status()),
              HasSubstr("max_batch_time is 1e+300; a batching delay must be"));
}

}  // namespace
}  // namespace tensord::scheduler

#include "frontend/http/log_throttle.h"

#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using namespace std::chrono_literals;
using Clock = LogThrottle::Clock;

TEST(LogThrottle, LogsTheFirstThenOncePerIntervalWithTheSuppressedCount) {
  LogThrottle throttle(10s);
  const Clock::time_point start{};  // any origin: the clock is injected
  EXPECT_EQ(throttle.Allow(start), 0u);
  // Retries every 50 ms for 10 s: none logged.
  for (int i = 1; i < 200; ++i) EXPECT_EQ(throttle.Allow(start + i * 50ms), std::nullopt) << i;
  EXPECT_EQ(throttle.Allow(start + 10s), 199u);
  EXPECT_EQ(throttle.Allow(start + 10s + 1ms), std::nullopt);
  EXPECT_EQ(throttle.Allow(start + 20s), 1u);
}

TEST(LogThrottle, ALateOccurrenceIsLoggedWithNothingSuppressed) {
  LogThrottle throttle(10s);
  const Clock::time_point start{};
  EXPECT_EQ(throttle.Allow(start), 0u);
  EXPECT_EQ(throttle.Allow(start + 1h), 0u);
}

}  // namespace
}  // namespace tensord::http

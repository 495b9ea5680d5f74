// Logs a condition that repeats (accept failing while the process is out of file
// descriptors, connections refused at the limit) once per interval instead of once per
// occurrence, and says how many occurrences went unlogged.
//
//   LogThrottle throttle(std::chrono::seconds(10));
//   if (std::optional<uint64_t> skipped = throttle.Allow(Clock::now())) {
//     spdlog::warn("out of file descriptors ({} more since the last report)", *skipped);
//   }
//
// The clock is injected (pure decision, no clock reads), so tests drive it by hand.
// Not thread-safe: each throttle belongs to one thread (the HTTP accept loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace tensord::http {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

  // An occurrence at `now`: a value when it is to be logged (the first ever, or the first
  // at least `interval` after the last logged one), holding how many occurrences were
  // suppressed since that last logged one; nullopt when it is to be suppressed.
  std::optional<uint64_t> Allow(Clock::time_point now) {
    if (logged_ && now - last_logged_ < interval_) {
      ++suppressed_;
      return std::nullopt;
    }
    const uint64_t suppressed = suppressed_;
    logged_ = true;
    last_logged_ = now;
    suppressed_ = 0;
    return suppressed;
  }

 private:
  const Clock::duration interval_;
  bool logged_ = false;
  Clock::time_point last_logged_{};
  uint64_t suppressed_ = 0;
};

}  // namespace tensord::http

#include "scheduler/duration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmt/format.h"

namespace tensord::scheduler {
namespace {

absl::Status TooLong(std::string_view field, std::string_view value) {
  return absl::InvalidArgumentError(
      fmt::format("{} is {}; a batching delay must be a number from 0 to {} s ({} us)", field,
                  value, std::chrono::duration_cast<std::chrono::seconds>(kMaxBatchDelay).count(),
                  kMaxBatchDelay.count()));
}

}  // namespace

Clock::TimePoint DeadlineAfter(Clock::TimePoint now, std::chrono::microseconds timeout) {
  using Duration = Clock::Duration;
  if (timeout.count() <= 0) return Clock::TimePoint::max();
  // The timeout in the clock's unit, unless the conversion itself would overflow.
  constexpr auto kMaxMicros =
      std::chrono::duration_cast<std::chrono::microseconds>(Duration::max());
  if (timeout >= kMaxMicros) return Clock::TimePoint::max();
  const Duration step = std::chrono::duration_cast<Duration>(timeout);
  if (now.time_since_epoch() > Duration::max() - step) return Clock::TimePoint::max();
  return now + step;
}

std::chrono::microseconds SaturatingMicroseconds(uint64_t microseconds) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return std::chrono::microseconds(static_cast<int64_t>(std::min(microseconds, kMax)));
}

absl::StatusOr<std::chrono::microseconds> BatchDelayFromMicroseconds(uint64_t microseconds,
                                                                     std::string_view field) {
  if (microseconds > static_cast<uint64_t>(kMaxBatchDelay.count())) {
    return TooLong(field, std::to_string(microseconds));
  }
  return std::chrono::microseconds(static_cast<int64_t>(microseconds));
}

absl::StatusOr<std::chrono::microseconds> BatchDelayFromSeconds(double seconds,
                                                                std::string_view field) {
  const double max_seconds = std::chrono::duration<double>(kMaxBatchDelay).count();
  // Written so that NaN fails too.
  if (!(seconds >= 0 && seconds <= max_seconds)) return TooLong(field, fmt::format("{}", seconds));
  return std::chrono::microseconds(std::llround(seconds * 1e6));
}

}  // namespace tensord::scheduler

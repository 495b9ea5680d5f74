// Durations that come from clients and config files, turned into time without wrapping.
//
//   Clock::TimePoint deadline = DeadlineAfter(now, policy.timeout);  // saturates at max()
//   absl::StatusOr<std::chrono::microseconds> delay =
//       BatchDelayFromSeconds(settings_value, "max_batch_time");      // > 60 s: InvalidArgument
//
// Two rules, one per kind of duration:
//   - A timeout only ever shortens a request's life, so a huge one means "no timeout": the
//     deadline saturates at Clock::TimePoint::max() instead of overflowing (a request's
//     "timeout": 9223372036854775807 microseconds is 292,000 years, and steady_clock counts
//     nanoseconds in an int64).
//   - A batching delay makes every lone request wait, so a value past kMaxBatchDelay is a
//     mistake (or an attack: max_batch_time 1e12 left requests unanswered) and is refused,
//     as are negative, NaN and infinite ones.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "scheduler/clock.h"

namespace tensord::scheduler {

// The longest a request may be held back to form a batch (Triton's
// max_queue_delay_microseconds, MLServer's max_batch_time).
inline constexpr std::chrono::microseconds kMaxBatchDelay = std::chrono::seconds(60);

// now + timeout, or Clock::TimePoint::max() when the sum is past what the clock can hold
// or timeout <= 0 (no timeout).
Clock::TimePoint DeadlineAfter(Clock::TimePoint now, std::chrono::microseconds timeout);

// An unsigned count of microseconds (Triton's uint64 timeout fields) as a duration,
// saturating at the largest one instead of wrapping to a negative value.
std::chrono::microseconds SaturatingMicroseconds(uint64_t microseconds);

// A batching delay given in microseconds / seconds. InvalidArgument "<field> is <value>;
// a batching delay must be ... at most 60 s" when it is past kMaxBatchDelay (or, for
// seconds, negative, NaN or infinite). `field` names the setting in messages.
absl::StatusOr<std::chrono::microseconds> BatchDelayFromMicroseconds(uint64_t microseconds,
                                                                     std::string_view field);
absl::StatusOr<std::chrono::microseconds> BatchDelayFromSeconds(double seconds,
                                                                std::string_view field);

}  // namespace tensord::scheduler

#include "tools/bench/arrival_schedule.h"

namespace tensord::bench {

ArrivalSchedule::ArrivalSchedule(double requests_per_second, Distribution distribution,
                                 uint64_t seed)
    : mean_gap_ns_(1e9 / requests_per_second), distribution_(distribution), rng_(seed) {}

std::chrono::nanoseconds ArrivalSchedule::Next() {
  if (distribution_ == Distribution::kConstant) {
    // Multiply rather than accumulate, so rounding never drifts over a long run.
    return std::chrono::nanoseconds(static_cast<int64_t>(double(sent_++) * mean_gap_ns_));
  }
  const std::chrono::nanoseconds at(static_cast<int64_t>(now_ns_));
  now_ns_ += exponential_(rng_) * mean_gap_ns_;
  ++sent_;
  return at;
}

}  // namespace tensord::bench

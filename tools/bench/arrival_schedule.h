// Intended send times for open-loop (request-rate) load: constant spacing, or Poisson
// arrivals (exponential gaps) from a seeded generator so a run can be repeated exactly.
//
//   ArrivalSchedule schedule(500.0, Distribution::kPoisson, /*seed=*/42);
//   std::chrono::nanoseconds t0 = schedule.Next();   // offsets from the start of the run
//   std::chrono::nanoseconds t1 = schedule.Next();   // t1 >= t0
//
// Latency in rate mode is measured from these intended times, not from the moment a
// worker got round to sending: a server that stalls is charged for the requests that
// queued behind the stall (coordinated omission). Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace tensord::bench {

enum class Distribution { kConstant, kPoisson };

class ArrivalSchedule {
 public:
  ArrivalSchedule(double requests_per_second, Distribution distribution, uint64_t seed);

  // The next arrival's offset from the start.
  std::chrono::nanoseconds Next();

 private:
  double mean_gap_ns_;
  Distribution distribution_;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> exponential_{1.0};
  double now_ns_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace tensord::bench

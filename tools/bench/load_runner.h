// Measures one load point: closed loop at a fixed concurrency, or open loop at a request
// rate, in back-to-back measurement windows until the stability rule holds.
//
//   LoadRunner runner(backend, {.window = std::chrono::milliseconds(2000)});
//   absl::StatusOr<PointResult> r = runner.Run({LoadMode::kConcurrency, 4});
//
// Closed loop: `value` workers, each with its own connection, send the next request as soon
// as the previous answer arrived; latency runs from send start to full response.
// Open loop: requests are due at times from ArrivalSchedule; a pool of `max_threads`
// workers takes them in order, and latency runs from the INTENDED send time, so requests
// that waited for a free worker are charged for the wait (coordinated omission).
//
// Warm-up completions are discarded (`warmup_requests`, -1: max(10, 2 × workers), and at
// most one window of time). Every window's completions go into a fresh histogram; the
// result merges the last `rule.windows` windows. Failed requests are counted per window,
// with the distinct error messages, and never enter the latency histogram.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/arrival_schedule.h"
#include "tools/bench/backend.h"
#include "tools/bench/latency_histogram.h"
#include "tools/bench/stability.h"

namespace tensord::bench {

enum class LoadMode { kConcurrency, kRate };

struct LoadPoint {
  LoadMode mode = LoadMode::kConcurrency;
  double value = 1;  // workers, or requests per second
};

struct RunnerOptions {
  std::chrono::milliseconds window{5000};
  int max_trials = 10;
  StabilityRule rule;
  std::optional<double> percentile;  // drives stability; none: the average latency
  int64_t warmup_requests = -1;
  int64_t batch = 1;     // inferences per request, for Inferences/Second
  int max_threads = 16;  // open-loop worker pool
  Distribution distribution = Distribution::kConstant;
  uint64_t seed = 1;
  // Called about 4 times a second with a one-line status (for a TTY progress line).
  std::function<void(const std::string&)> progress;
};

// Server-side averages per request between the start and the end of the reported windows
// (Triton's statistics extension), µs.
struct ServerBreakdown {
  uint64_t requests = 0;
  double queue_us = 0;
  double compute_input_us = 0;
  double compute_infer_us = 0;
  double compute_output_us = 0;
  double avg_batch = 0;  // rows per executed batch
  double compute_us() const { return compute_input_us + compute_infer_us + compute_output_us; }
};

struct PointResult {
  LoadPoint point;
  bool stable = false;
  int windows = 0;            // measured (after warm-up)
  int reported_windows = 0;   // merged into the numbers below
  double duration_s = 0;      // of the reported windows
  uint64_t completed = 0;     // successful requests in the reported windows
  uint64_t failed = 0;        // failed requests in the reported windows
  uint64_t failed_total = 0;  // failed requests over the whole point, warm-up included
  // Successful requests over the whole point: warm-up, every window and the requests in
  // flight when the last window ended (what the server's success count grows by).
  uint64_t completed_total = 0;
  double requests_per_sec = 0;
  double inferences_per_sec = 0;  // requests × batch
  LatencyHistogram latency;
  double avg_send_us = 0;
  double avg_recv_us = 0;
  std::optional<ServerBreakdown> server;   // none: the server has no statistics extension
  std::map<std::string, uint64_t> errors;  // distinct messages (at most 5) → count
  uint64_t late_sends = 0;  // open loop: requests sent > 1 ms after their intended time
  std::string note;         // why the point ended early, if it did
};

class LoadRunner {
 public:
  LoadRunner(Backend& backend, RunnerOptions options)
      : backend_(backend), options_(std::move(options)) {}

  // Errors only for unusable arguments; failing requests are counted, not returned.
  absl::StatusOr<PointResult> Run(const LoadPoint& point);

 private:
  Backend& backend_;
  RunnerOptions options_;
};

// Average of `after - before` per request; none when either snapshot is missing.
std::optional<ServerBreakdown> Breakdown(const std::optional<ServerStatsSnapshot>& before,
                                         const std::optional<ServerStatsSnapshot>& after);

}  // namespace tensord::bench

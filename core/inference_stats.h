// Counters of one model version, as the service reports them for Triton's statistics
// extension (GET v2/models/<name>/stats, gRPC ModelStatistics), metrics and benchmarks.
//
//   for (const ModelStats& m : *service.GetModelStats("", "")) {
//     double mean_batch = double(m.stats.inference_count) / m.stats.execution_count;
//   }
//
// Durations are cumulative nanoseconds. As in Triton, the queue and compute durations are
// summed per request (every request of a batch adds the batch's compute time), while
// batch_stats counts each executed batch once, under its size in rows.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace tensord {

// Upper bounds of the duration histograms in nanoseconds, 100 us to 10 s (inference
// latencies live well below Prometheus's default 5 ms first bucket).
inline constexpr std::array<uint64_t, 16> kDurationBucketsNs = {
    100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
    10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

// Observations by bucket (not cumulative); counts.back() holds those above every bound.
struct DurationHistogram {
  std::array<uint64_t, kDurationBucketsNs.size() + 1> counts{};
  uint64_t count = 0;
  uint64_t sum_ns = 0;
  void Observe(uint64_t ns) {
    size_t i = 0;
    while (i < kDurationBucketsNs.size() && ns > kDurationBucketsNs[i]) ++i;
    ++counts[i];
    ++count;
    sum_ns += ns;
  }
};

struct BatchSizeStats {
  uint64_t count = 0;  // batches of this size executed
  uint64_t compute_input_ns = 0;
  uint64_t compute_infer_ns = 0;
  uint64_t compute_output_ns = 0;
};

struct InferenceStats {
  // Requests answered with outputs, and their time from enqueue to answer.
  uint64_t success_count = 0;
  uint64_t success_ns = 0;
  // Requests answered with any error: runtime failures, and also the rejected, timed-out
  // and cancelled ones counted below.
  uint64_t failure_count = 0;
  uint64_t failure_ns = 0;
  // Of those executed (successfully or not): time waiting in the queue, time merging
  // inputs, time in the runtime, time splitting outputs.
  uint64_t queue_ns = 0;
  uint64_t compute_input_ns = 0;
  uint64_t compute_infer_ns = 0;
  uint64_t compute_output_ns = 0;
  uint64_t inference_count = 0;  // rows executed successfully
  uint64_t execution_count = 0;  // batches executed successfully
  uint64_t rejected_count = 0;   // refused because the queue was full
  uint64_t timeout_count = 0;    // answered DeadlineExceeded while queued
  uint64_t cancelled_count = 0;  // dropped because the client went away
  // Gauges at the time of the snapshot.
  uint64_t pending_requests = 0;  // queued, not yet executing
  uint64_t busy_instances = 0;    // executing a batch
  uint64_t instance_count = 0;
  // When the last batch finished; the epoch when none has.
  std::chrono::system_clock::time_point last_inference{};
  // Executed batches by size in rows (successful ones).
  std::map<int64_t, BatchSizeStats> batch_stats;
  // Per executed request, time in the queue (when the scheduler reports each request's).
  DurationHistogram queue_histogram;
  // Per executed batch, successful or not: merging inputs, running, splitting outputs.
  DurationHistogram compute_histogram;
};

// One ready model version's counters.
struct ModelStats {
  std::string name;
  std::string version;
  InferenceStats stats;
};

// Requests that reached an instance (succeeded or failed there): what Triton's queue and
// compute durations count. Rejected, timed-out and cancelled requests never executed.
inline uint64_t ExecutedRequests(const InferenceStats& s) {
  const uint64_t dropped = s.rejected_count + s.timeout_count + s.cancelled_count;
  return s.success_count + (s.failure_count > dropped ? s.failure_count - dropped : 0);
}

}  // namespace tensord

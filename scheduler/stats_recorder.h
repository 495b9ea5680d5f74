// The accumulator behind Scheduler::Stats(): workers report each finished batch and each
// dropped request; Snapshot() copies the counters. Not thread-safe: its owner calls it
// under its own lock (the scheduler's, which it holds anyway when a batch finishes), so
// recording a batch takes no lock of its own.
//
//   StatsRecorder stats;
//   stats.RecordBatch({.rows = 8, .requests = 3, .succeeded = true, ...});
//   stats.RecordDropped(StatsRecorder::Drop::kTimeout, waited);
//   InferenceStats snapshot = stats.Snapshot();
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "core/inference_stats.h"

namespace tensord::scheduler {

class StatsRecorder {
 public:
  using Nanos = std::chrono::nanoseconds;

  struct BatchRecord {
    int64_t rows = 0;
    uint64_t requests = 0;
    bool succeeded = false;
    Nanos queue{0};  // summed over the batch's requests
    // Each request's, for the queue histogram (optional); inline for small batches, so a
    // lone request records without allocating.
    absl::InlinedVector<Nanos, 4> queue_each;
    Nanos request_total{0};  // enqueue to answer, summed over the batch's requests
    Nanos compute_input{0};
    Nanos compute_infer{0};
    Nanos compute_output{0};
    // When the batch finished, on the scheduler's steady clock: the wall-clock time of the
    // last inference is derived when stats are read, not read on every batch.
    std::chrono::steady_clock::time_point finished{};
  };
  void RecordBatch(const BatchRecord& batch);

  enum class Drop { kRejected, kTimeout, kCancelled };
  // One request answered with an error without being executed, after `waited`.
  void RecordDropped(Drop why, Nanos waited);

  // Counters plus the gauges the scheduler passes in; `steady_now` and `wall_now` (the same
  // moment on both clocks) turn the last batch's steady time into last_inference.
  InferenceStats Snapshot(
      uint64_t pending_requests, uint64_t busy_instances, uint64_t instance_count,
      std::chrono::steady_clock::time_point steady_now = std::chrono::steady_clock::now(),
      std::chrono::system_clock::time_point wall_now = std::chrono::system_clock::now()) const;

 private:
  InferenceStats stats_;
  std::chrono::steady_clock::time_point last_finished_{};
};

}  // namespace tensord::scheduler

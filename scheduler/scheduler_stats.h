// A snapshot of one scheduler's counters, for Prometheus metrics and Triton's statistics
// extension (GET v2/models/<name>/stats).
//
//   SchedulerStats stats = scheduler.Stats();
//   double mean_batch = double(stats.inference_count) / stats.execution_count;
//
// Durations are cumulative nanoseconds. As in Triton, the queue and compute durations are
// summed per request (every request of a batch adds the batch's compute time), while
// batch_stats counts each executed batch once, under its size in rows.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

namespace tensord::scheduler {

struct BatchSizeStats {
  uint64_t count = 0;  // batches of this size executed
  uint64_t compute_input_ns = 0;
  uint64_t compute_infer_ns = 0;
  uint64_t compute_output_ns = 0;
};

struct SchedulerStats {
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
};

}  // namespace tensord::scheduler

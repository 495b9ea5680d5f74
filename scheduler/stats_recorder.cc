#include "scheduler/stats_recorder.h"

#include <algorithm>

namespace tensord::scheduler {
namespace {

uint64_t Ns(std::chrono::nanoseconds duration) {
  return duration.count() > 0 ? static_cast<uint64_t>(duration.count()) : 0;
}

}  // namespace

void StatsRecorder::RecordBatch(const BatchRecord& batch) {
  const uint64_t n = batch.requests;
  stats_.queue_ns += Ns(batch.queue);
  stats_.compute_input_ns += n * Ns(batch.compute_input);
  stats_.compute_infer_ns += n * Ns(batch.compute_infer);
  stats_.compute_output_ns += n * Ns(batch.compute_output);
  for (Nanos queued : batch.queue_each) stats_.queue_histogram.Observe(Ns(queued));
  stats_.compute_histogram.Observe(Ns(batch.compute_input) + Ns(batch.compute_infer) +
                                   Ns(batch.compute_output));
  if (!batch.succeeded) {
    stats_.failure_count += n;
    stats_.failure_ns += Ns(batch.request_total);
    return;
  }
  stats_.success_count += n;
  stats_.success_ns += Ns(batch.request_total);
  stats_.inference_count += static_cast<uint64_t>(batch.rows);
  stats_.execution_count += 1;
  last_finished_ = std::max(last_finished_, batch.finished);
  BatchSizeStats& size = stats_.batch_stats[batch.rows];
  size.count += 1;
  size.compute_input_ns += Ns(batch.compute_input);
  size.compute_infer_ns += Ns(batch.compute_infer);
  size.compute_output_ns += Ns(batch.compute_output);
}

void StatsRecorder::RecordDropped(Drop why, Nanos waited) {
  stats_.failure_count += 1;
  stats_.failure_ns += Ns(waited);
  switch (why) {
    case Drop::kRejected:
      stats_.rejected_count += 1;
      break;
    case Drop::kTimeout:
      stats_.timeout_count += 1;
      break;
    case Drop::kCancelled:
      stats_.cancelled_count += 1;
      break;
  }
}

InferenceStats StatsRecorder::Snapshot(uint64_t pending_requests, uint64_t busy_instances,
                                       uint64_t instance_count,
                                       std::chrono::steady_clock::time_point steady_now,
                                       std::chrono::system_clock::time_point wall_now) const {
  InferenceStats snapshot = stats_;
  if (last_finished_ != std::chrono::steady_clock::time_point{}) {
    snapshot.last_inference =
        wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                       steady_now - last_finished_);
  }
  snapshot.pending_requests = pending_requests;
  snapshot.busy_instances = busy_instances;
  snapshot.instance_count = instance_count;
  return snapshot;
}

}  // namespace tensord::scheduler

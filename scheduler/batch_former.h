// The adaptive batcher's decisions, without threads: a queue of pending requests and the
// rule that says, at a given time, which requests form the next batch, which are dropped
// (timed out, cancelled), and when to look again. Deterministic, so tests drive it with
// made-up times.
//
//   BatchFormer former(BatchFormerOptions::FromConfig(model_config));
//   if (!former.TryAdd(std::move(pending))) { ... queue full: `pending` is untouched ... }
//   BatchFormer::Step step = former.Next(clock.Now(), {.instance_free = true});
//   answer step.expired / step.cancelled; execute step.batch if not empty;
//   otherwise wait until step.wake_at (or until a request arrives or an instance frees up).
//
// Rules (one semantics for Triton's dynamic_batching and MLServer's max_batch_time):
// - The next batch starts with the oldest request of the most urgent priority level (the
//   head), so no request starves. Requests with the same batch key join it in queue order
//   while their rows fit in max_batch_size; others are skipped and wait for a later batch
//   (with preserve_ordering the batch ends at the first request that cannot join).
// - It is dispatched when it is full, when a compatible request no longer fits (it cannot
//   grow), when the head has waited max_queue_delay (at once when the delay is 0), or, when
//   preferred sizes are set, with the largest preferred size it reaches.
// - Without batching (max_batch_size 0 or no batching config) every request is a batch.
// - Requests past their deadline are answered as expired, never executed; cancelled ones
//   are dropped when the batcher meets them.
// Not thread-safe: the scheduler calls it under its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "core/model_config.h"
#include "scheduler/clock.h"
#include "scheduler/pending_request.h"

namespace tensord::scheduler {

struct BatchFormerOptions {
  bool batching = false;       // false: one request per batch, dispatched at once
  int64_t max_batch_size = 0;  // rows per batch when batching
  std::chrono::microseconds max_queue_delay{0};
  std::vector<int64_t> preferred_batch_sizes;
  bool preserve_ordering = false;
  int64_t max_queue_size = 0;  // 0: unbounded

  // Batching is on when the model has a batch dimension and a batching config.
  static BatchFormerOptions FromConfig(const ModelConfig& config);
};

class BatchFormer {
 public:
  explicit BatchFormer(BatchFormerOptions options);

  const BatchFormerOptions& options() const { return options_; }

  // Queues `request`; false (and `request` left as it was) when the queue is full.
  bool TryAdd(PendingRequest&& request);

  struct Step {
    std::vector<PendingRequest> batch;      // dispatch now; empty: nothing to dispatch
    std::vector<PendingRequest> expired;    // deadline passed while queued
    std::vector<PendingRequest> cancelled;  // client went away while queued
    // When the decision may change without a new request or a free instance.
    Clock::TimePoint wake_at = Clock::TimePoint::max();
  };
  struct NextOptions {
    bool instance_free = true;  // false: only drop expired requests
    bool flush = false;         // dispatch without waiting for the delay (shutting down)
  };
  Step Next(Clock::TimePoint now, NextOptions next_options);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  using Level = std::deque<PendingRequest>;

  void DropExpired(Clock::TimePoint now, std::vector<PendingRequest>& expired);
  void FormBatch(Clock::TimePoint now, bool flush, Step& step);
  // Removes the requests moved out of the first `scanned` queued ones.
  void EraseTaken(size_t scanned);
  bool IsPreferred(int64_t rows) const;

  const BatchFormerOptions options_;
  std::map<uint64_t, Level> levels_;  // by priority, most urgent first
  size_t size_ = 0;
  // No request's deadline is earlier than this (it may be stale after dispatches).
  Clock::TimePoint earliest_deadline_ = Clock::TimePoint::max();
};

}  // namespace tensord::scheduler

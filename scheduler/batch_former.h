// The adaptive batcher's decisions, without threads: a queue of pending requests and the
// rule that says, at a given time, which requests form the next batch, which are dropped
// (timed out, cancelled), and when to look again. Deterministic, so tests drive it with
// made-up times.
//
//   absl::StatusOr<BatchFormerOptions> options = BatchFormerOptions::FromConfig(model_config);
//   BatchFormer former(*options);
//   if (!former.TryAdd(std::move(pending))) { ... queue full: `pending` is untouched ... }
//   BatchFormer::Step step = former.Next(clock.Now(), {.instance_free = true});
//   answer step.expired / step.cancelled; execute step.batch if not empty, then
//   former.Finished(step.batch.size()) before answering its requests;
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
// - Adaptive policy (the default): besides, it is dispatched at once when waiting would not
//   pay, that is when the requests in the system (queued, and handed out but not Finished)
//   are at least as many as the traffic has been seen to put there at once. Every arrival
//   raises that expectation to what it finds; a wait that ends at the delay with fewer
//   requests lowers it to what is there. So one request at a time runs at once (latency as
//   without batching); with N clients in a closed loop, an idle instance waits, never longer
//   than the delay, for those of the N whose next request is still on its way; and requests
//   queued while every instance was busy batch as before. Until traffic has been seen it
//   expects a full batch, i.e. behaves as the wait policy.
// - Wait policy (parameter batching_policy "wait"): the head always waits out the delay, as
//   in Triton and MLServer.
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

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "scheduler/clock.h"
#include "scheduler/pending_request.h"

namespace tensord::scheduler {

// When a batch that is not full may wait for more requests (rules above).
enum class BatchingPolicy {
  kAdaptive,  // only while requests the traffic shows are on their way are missing
  kWait,      // always, until the head has waited max_queue_delay
};

// Model config parameter (Triton's `parameters`, MLServer's `parameters.extra`) choosing the
// policy: "adaptive" (default) or "wait".
inline constexpr char kBatchingPolicyParameter[] = "batching_policy";

struct BatchFormerOptions {
  bool batching = false;       // false: one request per batch, dispatched at once
  int64_t max_batch_size = 0;  // rows per batch when batching
  std::chrono::microseconds max_queue_delay{0};
  std::vector<int64_t> preferred_batch_sizes;
  bool preserve_ordering = false;
  int64_t max_queue_size = 0;  // 0: unbounded
  BatchingPolicy policy = BatchingPolicy::kAdaptive;

  // Batching is on when the model has a batch dimension and a batching config.
  // InvalidArgument, naming the config file, for an unknown batching_policy.
  static absl::StatusOr<BatchFormerOptions> FromConfig(const ModelConfig& config);
};

class BatchFormer {
 public:
  explicit BatchFormer(BatchFormerOptions options);

  const BatchFormerOptions& options() const { return options_; }

  // Queues `request`; false (and `request` left as it was) when the queue is full.
  bool TryAdd(PendingRequest&& request);

  struct Step {
    // Dispatch now; empty: nothing to dispatch. Inline for one request (no allocation).
    absl::InlinedVector<PendingRequest, 1> batch;
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
  // The short way of a request that is its own batch at once: without batching, with
  // nothing queued, neither expired nor cancelled, and an instance free (the caller's
  // word). Puts it in `step.batch` as TryAdd then Next would, without queueing it; false,
  // and `request` untouched, otherwise.
  bool TakeAlone(PendingRequest&& request, Clock::TimePoint now, Step& step);

  // `requests` requests of a batch Next handed out have finished executing. Call it before
  // answering them, so that a client's next request does not find its previous one still
  // counted in the system.
  void Finished(size_t requests);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Requests the adaptive policy expects in the system at once (see the rules).
  int64_t expected_concurrency() const { return expected_concurrency_; }

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
  // Requests handed out by Next and not yet Finished.
  int64_t executing_ = 0;
  // The adaptive policy's expectation (see the rules), and whether the current wait is
  // for requests it expects (so that a wait ending at the delay lowers it).
  int64_t expected_concurrency_;
  bool waiting_for_expected_ = false;
};

}  // namespace tensord::scheduler

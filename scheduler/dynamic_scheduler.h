// The scheduler behind CreateScheduler: a BatchFormer queue in front of a pool of runtime
// instances, served by one worker thread per instance and, for fast models, by the threads
// that enqueue. Timed-out requests are answered by the idle workers, and while every
// instance is busy by the process's DeadlineTimer (scheduler/deadline_timer.h).
//
//   DynamicScheduler scheduler(model, options, std::move(instances));
//   scheduler.Enqueue(std::move(request), std::move(done));
//
// Whoever dispatches a batch takes a free instance from the pool and gives it back after.
// Run to completion: when a new request can be dispatched at once (an instance is free and
// the batcher would not wait) and the model's recent batches took no longer than
// options.inline_execution_limit (or the caller blocks on the answer anyway:
// InferRequest::caller_waits), Enqueue executes it on the caller's thread and answers
// before returning: no wake-up of a worker, no wake-up of the caller's thread to answer.
// Otherwise a batch goes to a worker, and so to whichever instance is free: Enqueue forms
// it when the new request completes one (with an idle worker and a free instance) and
// hands it over, or a worker forms it when it is due. Workers that find nothing to
// dispatch wait until the batcher's next decision time, a handed batch, a freed instance,
// a new request that makes that time earlier, or shutdown: a request that joins a batch
// still waiting wakes no thread (on a batched MLP over REST, a wake-up per request was
// ~13% of the server's CPU).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "scheduler/batch_former.h"
#include "scheduler/deadline_timer.h"
#include "scheduler/ordered_responder.h"
#include "scheduler/scheduler.h"
#include "scheduler/stats_recorder.h"

namespace tensord::scheduler {

class DynamicScheduler final : public Scheduler, private DeadlineTimer::Client {
 public:
  // `instances` must not be empty; `model` outlives the scheduler. `batching` comes from
  // BatchFormerOptions::FromConfig(model.config()).
  DynamicScheduler(runtime::Model& model, SchedulerOptions options, BatchFormerOptions batching,
                   std::vector<runtime::InstancePtr> instances);
  ~DynamicScheduler() override;

  void Enqueue(std::unique_ptr<InferRequest>&& request, InferCallback&& done) override;
  void Shutdown() override;
  void Drain() override;
  InferenceStats Stats() const override;

 private:
  // One result per request of a batch; inline for a lone request (no allocation).
  using Results = absl::InlinedVector<InferResult, 1>;
  // After its own, a caller running to completion runs at most this many batches that
  // other callers queued meanwhile (RunInline).
  static constexpr size_t kQueuedBatchesRunInline = 4;

  void WorkerLoop();
  // Dispatches `step` on `instance` (taken from the pool under `lock`, which is held on
  // entry and on return): answers its dropped requests, executes its batch, gives the
  // instance back and answers the batch. `start`: as for ExecuteBatch.
  void RunStep(BatchFormer::Step& step, runtime::Instance* instance,
               std::unique_lock<std::mutex>& lock,
               std::optional<Clock::TimePoint> start = std::nullopt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Enqueue's run to completion: RunStep on the caller's thread, `lock` held on entry and
  // released on return (the caller has nothing left to do under it). `now`, the caller's
  // clock read just before, is the execution's start: it runs at once.
  void RunInline(BatchFormer::Step& step, runtime::Instance* instance,
                 std::unique_lock<std::mutex>& lock, Clock::TimePoint now);
  // RunStep's common part: answers the dropped requests and executes the batch with `lock`
  // released, then, under it again, records its statistics and gives the instance back
  // (and, with `wake_for_queue`, wakes a worker for what is queued). A null `instance`:
  // only the dropped requests.
  Results ExecuteAndRelease(BatchFormer::Step& step, runtime::Instance* instance,
                            std::unique_lock<std::mutex>& lock,
                            std::optional<Clock::TimePoint> start, bool wake_for_queue = true);
  bool MayRunInline(const InferRequest& request) const;
  // The model's recent batches ran within the run-to-completion limit.
  bool FastEnoughToRunInline() const;
  // DeadlineTimer::Client: answers the requests whose deadline passed while queued.
  Clock::TimePoint OnDeadline(Clock::TimePoint now) override;
  // Runs `batch` and records its statistics; returns one result per request, in order.
  // `start`: the clock's reading at the start, when the caller has one (else read here).
  // Its statistics go to `record`, for the caller to add under the lock.
  Results ExecuteBatch(runtime::Instance& instance, std::span<PendingRequest> batch,
                       std::optional<Clock::TimePoint> start, StatsRecorder::BatchRecord& record);
  void AnswerDropped(BatchFormer::Step& step);
  void Respond(PendingRequest& pending, InferResult&& result);
  // Wakes one idle worker, if there is one.
  void WakeWorker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const ModelConfig& config_;
  const SchedulerOptions options_;
  Clock& clock_;
  std::unique_ptr<DeadlineTimer> own_timer_;  // when options_.deadline_timer is null
  DeadlineTimer& timer_;
  std::vector<runtime::InstancePtr> instances_;
  StatsRecorder stats_ ABSL_GUARDED_BY(mutex_);
  std::optional<OrderedResponder> ordered_;  // set with preserve_ordering
  // The outputs a request that names none gets, computed once (not per request).
  const std::vector<std::string> default_outputs_;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;  // idle workers wait here
  BatchFormer former_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool draining_ ABSL_GUARDED_BY(mutex_) = false;  // Drain(): dispatch without waiting
  uint64_t next_sequence_ ABSL_GUARDED_BY(mutex_) = 0;
  int idle_workers_ ABSL_GUARDED_BY(mutex_) = 0;
  // An idle worker wakes by then at the latest (max: not known, e.g. after a wake-up).
  Clock::TimePoint idle_wake_ ABSL_GUARDED_BY(mutex_) = Clock::TimePoint::max();
  // Batches Enqueue formed, with the instance taken for each, for the workers to execute.
  struct Handed {
    BatchFormer::Step step;
    runtime::Instance* instance;
  };
  std::deque<Handed> handed_ ABSL_GUARDED_BY(mutex_);
  std::vector<runtime::Instance*> free_instances_ ABSL_GUARDED_BY(mutex_);
  int running_inline_ ABSL_GUARDED_BY(mutex_) = 0;  // Enqueue calls running to completion
  std::condition_variable inline_done_;             // Shutdown waits for them
  // Moving average of a batch's execution time (ns), for run to completion; starts
  // unknown (max): the first batches go to the workers.
  std::atomic<int64_t> recent_execute_ns_{std::numeric_limits<int64_t>::max()};
  Clock::TimePoint timer_wake_ ABSL_GUARDED_BY(mutex_) = Clock::TimePoint::max();

  std::mutex join_mutex_;  // serializes Shutdown's joins
  std::vector<std::thread> workers_;
};

}  // namespace tensord::scheduler

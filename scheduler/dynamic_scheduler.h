// The scheduler behind CreateScheduler: a BatchFormer queue served by one worker thread
// per runtime instance. Timed-out requests are answered by the idle workers, and while
// every instance is busy by the process's DeadlineTimer (scheduler/deadline_timer.h).
//
//   DynamicScheduler scheduler(model, options, std::move(instances));
//   scheduler.Enqueue(std::move(request), std::move(done));
//
// A free worker forms the next batch itself and executes it, so an idle model answers a
// lone request (delay 0) with no thread hand-off, and a batch always goes to whichever
// instance is free. Workers that find nothing to dispatch wait until the batcher's next
// decision time, a new request, or shutdown.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
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
  void WorkerLoop(runtime::Instance& instance);
  // DeadlineTimer::Client: answers the requests whose deadline passed while queued.
  Clock::TimePoint OnDeadline(Clock::TimePoint now) override;
  // Runs `batch` and records its statistics; returns one result per request, in order.
  std::vector<InferResult> ExecuteBatch(runtime::Instance& instance,
                                        std::vector<PendingRequest>& batch);
  void AnswerDropped(BatchFormer::Step& step);
  void Respond(PendingRequest& pending, InferResult&& result);

  const ModelConfig& config_;
  const SchedulerOptions options_;
  Clock& clock_;
  std::unique_ptr<DeadlineTimer> own_timer_;  // when options_.deadline_timer is null
  DeadlineTimer& timer_;
  std::vector<runtime::InstancePtr> instances_;
  StatsRecorder stats_;
  std::optional<OrderedResponder> ordered_;  // set with preserve_ordering

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;   // idle workers wait here
  BatchFormer former_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool draining_ ABSL_GUARDED_BY(mutex_) = false;  // Drain(): dispatch without waiting
  uint64_t next_sequence_ ABSL_GUARDED_BY(mutex_) = 0;
  int idle_workers_ ABSL_GUARDED_BY(mutex_) = 0;
  int busy_workers_ ABSL_GUARDED_BY(mutex_) = 0;
  Clock::TimePoint timer_wake_ ABSL_GUARDED_BY(mutex_) = Clock::TimePoint::max();

  std::mutex join_mutex_;  // serializes Shutdown's joins
  std::vector<std::thread> workers_;
};

}  // namespace tensord::scheduler

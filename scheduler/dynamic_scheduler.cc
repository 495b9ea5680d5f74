#include "scheduler/dynamic_scheduler.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "scheduler/batch.h"
#include "scheduler/duration.h"
#include "scheduler/request_policy.h"

namespace tensord::scheduler {
namespace {

std::chrono::nanoseconds Since(Clock::TimePoint start, Clock::TimePoint end) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start);
}

}  // namespace

DynamicScheduler::DynamicScheduler(runtime::Model& model, SchedulerOptions options,
                                   BatchFormerOptions batching,
                                   std::vector<runtime::InstancePtr> instances)
    : config_(model.config()),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SteadyClock()),
      own_timer_(options_.deadline_timer == nullptr ? std::make_unique<DeadlineTimer>(&clock_)
                                                    : nullptr),
      timer_(options_.deadline_timer != nullptr ? *options_.deadline_timer : *own_timer_),
      instances_(std::move(instances)),
      default_outputs_(OutputNames(config_, InferRequest{})),
      former_(std::move(batching)) {
  if (former_.options().preserve_ordering) ordered_.emplace();
  {
    std::lock_guard lock(mutex_);
    for (auto& instance : instances_) free_instances_.push_back(instance.get());
  }
  workers_.reserve(instances_.size());
  for (size_t i = 0; i < instances_.size(); ++i) workers_.emplace_back([this] { WorkerLoop(); });
  timer_.Register(this);
}

DynamicScheduler::~DynamicScheduler() { Shutdown(); }

void DynamicScheduler::Enqueue(std::unique_ptr<InferRequest>&& request, InferCallback&& done) {
  absl::StatusOr<RequestPolicy> policy = ReadRequestPolicy(*request, config_.batching);
  if (!policy.ok()) {
    std::move(done)(policy.status());
    return;
  }
  const Clock::TimePoint now = clock_.Now();
  PendingRequest pending{.request = std::move(request),
                         .done = std::move(done),
                         .enqueued = now,
                         .priority = policy->priority};
  pending.rows = BatchRows(config_, *pending.request);
  if (former_.options().batching) {
    pending.batch_key = BatchKey(*pending.request, OutputNames(config_, *pending.request));
  }
  // Saturates: a timeout too long for the clock is no timeout, never a deadline in the past.
  pending.deadline = DeadlineAfter(now, policy->timeout);
  const Clock::TimePoint deadline = pending.deadline;

  const bool may_run_inline = MayRunInline(*pending.request);
  absl::Status refused;
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      refused =
          absl::UnavailableError(fmt::format("model '{}' is shutting down", options_.model_name));
    } else {
      pending.sequence = next_sequence_;
      if (may_run_inline && !free_instances_.empty()) {
        // Run to completion the short way: a request that is its own batch at once skips
        // the queue.
        BatchFormer::Step step;
        if (former_.TakeAlone(std::move(pending), now, step)) {
          ++next_sequence_;
          runtime::Instance* instance = free_instances_.back();
          free_instances_.pop_back();
          RunInline(step, instance, lock, now);
          return;
        }
      }
      if (former_.TryAdd(std::move(pending))) {
        ++next_sequence_;
        if (!free_instances_.empty() && (may_run_inline || idle_workers_ > 0)) {
          // Dispatch from this thread if the batcher would not wait.
          BatchFormer::Step step = former_.Next(now, {.instance_free = true, .flush = draining_});
          if (!step.batch.empty()) {
            runtime::Instance* instance = free_instances_.back();
            free_instances_.pop_back();
            if (may_run_inline) {  // run to completion
              RunInline(step, instance, lock, now);
              return;
            }
            // Too long to run on the caller's thread: a worker executes the batch.
            handed_.push_back({std::move(step), instance});
            WakeWorker();
          } else {
            // The batch waits for mates: a worker needs waking only to look at it sooner
            // than one will anyway.
            if (step.wake_at < idle_wake_) WakeWorker();
            if (!step.expired.empty() || !step.cancelled.empty()) {
              lock.unlock();
              AnswerDropped(step);
              lock.lock();
            }
          }
        }
        // Without a free instance no worker can dispatch: the one that frees an instance
        // looks at the queue (ExecuteAndRelease); expired requests are the timer's.
        if (deadline < timer_wake_) {
          timer_wake_ = deadline;
          timer_.WakeAt(this, deadline);
        }
        return;
      }
      refused = absl::UnavailableError(
          fmt::format("the queue of model '{}' is full (max_queue_size {})", options_.model_name,
                      former_.options().max_queue_size));
    }
  }
  {
    std::lock_guard lock(mutex_);
    stats_.RecordDropped(StatsRecorder::Drop::kRejected, {});
  }
  std::move(pending.done)(std::move(refused));
}

void DynamicScheduler::Shutdown() {
  std::lock_guard join_lock(join_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_ready_.notify_all();
  timer_.Unregister(this);
  for (std::thread& worker : workers_) worker.join();
  // A caller that began running to completion before stopping_ finishes its batch.
  std::unique_lock lock(mutex_);
  inline_done_.wait(lock, [this] { return running_inline_ == 0; });
}

void DynamicScheduler::Drain() {
  {
    std::lock_guard lock(mutex_);
    if (draining_) return;
    draining_ = true;
  }
  work_ready_.notify_all();
}

InferenceStats DynamicScheduler::Stats() const {
  const Clock::TimePoint steady_now = clock_.Now();
  const auto wall_now = clock_.WallNow();
  std::lock_guard lock(mutex_);
  const uint64_t pending = former_.size();
  const auto busy = static_cast<uint64_t>(instances_.size() - free_instances_.size());
  return stats_.Snapshot(pending, busy, instances_.size(), steady_now, wall_now);
}

bool DynamicScheduler::MayRunInline(const InferRequest& request) const {
  if (options_.inline_execution_limit.count() <= 0) return false;  // run to completion off
  return request.caller_waits || FastEnoughToRunInline();
}

bool DynamicScheduler::FastEnoughToRunInline() const {
  return options_.inline_execution_limit.count() > 0 &&
         recent_execute_ns_.load(std::memory_order_relaxed) <=
             options_.inline_execution_limit.count();
}

void DynamicScheduler::WorkerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!handed_.empty()) {
      Handed handed = std::move(handed_.front());
      handed_.pop_front();
      RunStep(handed.step, handed.instance, lock);
      continue;
    }
    BatchFormer::Step step = former_.Next(
        clock_.Now(), {.instance_free = !free_instances_.empty(), .flush = stopping_ || draining_});
    if (step.batch.empty() && step.expired.empty() && step.cancelled.empty()) {
      // Every instance out (with callers running to completion) is not the end: their
      // batches finish and wake a worker for what is queued.
      if (stopping_ && former_.empty()) return;
      ++idle_workers_;
      idle_wake_ = step.wake_at;
      clock_.WaitUntil(work_ready_, lock, step.wake_at);
      --idle_workers_;
      idle_wake_ = Clock::TimePoint::max();  // the others' times are not known here
      continue;
    }
    runtime::Instance* instance = nullptr;
    if (!step.batch.empty()) {
      instance = free_instances_.back();
      free_instances_.pop_back();
    }
    RunStep(step, instance, lock);
  }
}

DynamicScheduler::Results DynamicScheduler::ExecuteAndRelease(
    BatchFormer::Step& step, runtime::Instance* instance, std::unique_lock<std::mutex>& lock,
    std::optional<Clock::TimePoint> start, bool wake_for_queue) {
  // Pass the baton: another idle worker takes charge of what is still queued (its delay,
  // or a batch of other shapes) while this thread executes. Not without a free instance:
  // a worker could only find nothing to run and sleep again (the deadline timer answers
  // expired requests, and the end of this execution wakes one for the queue).
  if (!former_.empty() && !free_instances_.empty()) WakeWorker();
  lock.unlock();
  AnswerDropped(step);
  if (instance == nullptr) {
    lock.lock();
    return {};
  }
  StatsRecorder::BatchRecord record;
  Results results = ExecuteBatch(*instance, step.batch, start, record);
  lock.lock();
  stats_.RecordBatch(record);
  free_instances_.push_back(instance);
  // Before the answers go out: a client's next request must not find this one still
  // counted as executing (the adaptive policy would take it for a concurrent client).
  former_.Finished(step.batch.size());
  // The freed instance may be what a queued batch waits for.
  if (wake_for_queue && !former_.empty()) WakeWorker();
  return results;
}

void DynamicScheduler::RunStep(BatchFormer::Step& step, runtime::Instance* instance,
                               std::unique_lock<std::mutex>& lock,
                               std::optional<Clock::TimePoint> start) {
  Results results = ExecuteAndRelease(step, instance, lock, start);
  if (instance == nullptr) return;
  lock.unlock();
  for (size_t i = 0; i < step.batch.size(); ++i) Respond(step.batch[i], std::move(results[i]));
  lock.lock();
}

void DynamicScheduler::RunInline(BatchFormer::Step& step, runtime::Instance* instance,
                                 std::unique_lock<std::mutex>& lock, Clock::TimePoint now) {
  ++running_inline_;
  if (ordered_.has_value()) {
    // The ordered responder is the scheduler's: answer before counting out.
    RunStep(step, instance, lock, now);
    if (--running_inline_ == 0 && stopping_) inline_done_.notify_all();
    lock.unlock();
    return;
  }
  Results results = ExecuteAndRelease(step, instance, lock, now, /*wake_for_queue=*/false);
  // Requests that queued while this thread ran (other threads' callers found the instance
  // busy): for a model this fast, this thread runs a few batches of them too, rather than
  // waking a worker for each (a futex wake-up and a context switch per request, the cost
  // run to completion exists to avoid). A few only: this thread's own connections wait
  // meanwhile; a worker takes the rest.
  struct Queued {
    BatchFormer::Step step;
    Results results;
  };
  absl::InlinedVector<Queued, kQueuedBatchesRunInline> queued;
  while (!former_.empty()) {
    if (stopping_ || free_instances_.empty() || !FastEnoughToRunInline() ||
        queued.size() == kQueuedBatchesRunInline) {
      WakeWorker();
      break;
    }
    Queued& next = queued.emplace_back();
    next.step = former_.Next(clock_.Now(), {.instance_free = true, .flush = draining_});
    runtime::Instance* spare = nullptr;
    if (!next.step.batch.empty()) {
      spare = free_instances_.back();
      free_instances_.pop_back();
    }
    // The last one wakes a worker for whatever still waits (a batch waiting for mates
    // included): no further batch is taken here.
    const bool last = spare == nullptr || queued.size() == kQueuedBatchesRunInline;
    next.results = ExecuteAndRelease(next.step, spare, lock, std::nullopt, last);
    if (last) break;
  }
  // Counted out before the answers, with no lock taken again after them: Shutdown may
  // return (and the scheduler go) from here on, and the answers touch nothing of it (each
  // request's callback lives in `step` or `queued`, this call's).
  if (--running_inline_ == 0 && stopping_) inline_done_.notify_all();
  lock.unlock();
  for (size_t i = 0; i < step.batch.size(); ++i) {
    std::move(step.batch[i].done)(std::move(results[i]));
  }
  for (Queued& next : queued) {
    for (size_t i = 0; i < next.results.size(); ++i) {
      std::move(next.step.batch[i].done)(std::move(next.results[i]));
    }
  }
}

Clock::TimePoint DynamicScheduler::OnDeadline(Clock::TimePoint now) {
  std::unique_lock lock(mutex_);
  if (stopping_) return Clock::TimePoint::max();  // the workers flush what is left
  BatchFormer::Step step = former_.Next(now, {.instance_free = false});
  timer_wake_ = step.wake_at;
  lock.unlock();
  AnswerDropped(step);
  return step.wake_at;
}

void DynamicScheduler::WakeWorker() {
  if (idle_workers_ == 0) return;
  idle_wake_ = Clock::TimePoint::max();  // which one wakes is not known
  work_ready_.notify_one();
}

void DynamicScheduler::AnswerDropped(BatchFormer::Step& step) {
  if (step.expired.empty() && step.cancelled.empty()) return;
  const Clock::TimePoint now = clock_.Now();
  {
    // Counted first, all under one lock: statistics are the scheduler's (stats_).
    std::lock_guard lock(mutex_);
    for (const PendingRequest& pending : step.expired) {
      stats_.RecordDropped(StatsRecorder::Drop::kTimeout, Since(pending.enqueued, now));
    }
    for (const PendingRequest& pending : step.cancelled) {
      stats_.RecordDropped(StatsRecorder::Drop::kCancelled, Since(pending.enqueued, now));
    }
  }
  for (PendingRequest& pending : step.expired) {
    const auto waited = Since(pending.enqueued, now);
    Respond(pending, absl::DeadlineExceededError(fmt::format(
                         "request '{}' timed out after {} us in the queue of model '{}'",
                         pending.request->id,
                         std::chrono::duration_cast<std::chrono::microseconds>(waited).count(),
                         options_.model_name)));
  }
  for (PendingRequest& pending : step.cancelled) {
    Respond(pending, absl::CancelledError(
                         fmt::format("request '{}' was cancelled before model '{}' executed it",
                                     pending.request->id, options_.model_name)));
  }
}

DynamicScheduler::Results DynamicScheduler::ExecuteBatch(
    runtime::Instance& instance, std::span<PendingRequest> batch,
    std::optional<Clock::TimePoint> known_start, StatsRecorder::BatchRecord& record) {
  record.requests = batch.size();
  const Clock::TimePoint start = known_start.has_value() ? *known_start : clock_.Now();
  for (const PendingRequest& pending : batch) {
    record.rows += pending.rows;
    record.queue += Since(pending.enqueued, start);
    record.queue_each.push_back(Since(pending.enqueued, start));
  }
  // Every request of a batch asks for the same outputs (they are part of the batch key).
  const InferRequest& first = *batch.front().request;
  std::vector<std::string> requested;
  if (!first.outputs.empty()) requested = OutputNames(config_, first);
  const std::vector<std::string>& names = first.outputs.empty() ? default_outputs_ : requested;
  instance.SetRequestContext(
      {.id = first.id, .parameters = &first.parameters, .cancelled = first.cancelled});

  // A lone request's outputs (no split) or each request's part of the batch's outputs.
  absl::StatusOr<std::vector<Tensor>> single;
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts;
  runtime::ExecuteTimes times;  // the runtime's own conversions, inside Execute
  Clock::TimePoint merged = start;
  Clock::TimePoint executed = start;
  if (batch.size() == 1) {
    // A lone request runs on its own tensors: no copy in, no split out.
    single = instance.ExecuteTimed(first.inputs, names, times);
    executed = clock_.Now();
  } else {
    std::vector<int64_t> rows;
    rows.reserve(batch.size());
    std::vector<const InferRequest*> requests;
    requests.reserve(batch.size());
    for (const PendingRequest& pending : batch) {
      rows.push_back(pending.rows);
      requests.push_back(pending.request.get());
    }
    absl::StatusOr<std::vector<Tensor>> inputs = MergeInputs(requests);
    merged = clock_.Now();
    executed = merged;
    if (!inputs.ok()) {
      parts = inputs.status();
    } else {
      absl::StatusOr<std::vector<Tensor>> outputs = instance.ExecuteTimed(*inputs, names, times);
      executed = clock_.Now();
      parts = outputs.ok() ? SplitOutputs(*outputs, rows)
                           : absl::StatusOr<std::vector<std::vector<Tensor>>>(outputs.status());
    }
  }
  const bool succeeded = batch.size() == 1 ? single.ok() : parts.ok();
  // A lone request has nothing to split: its outputs are the instance's (one clock read
  // less per request; they cost ~35 ns each on this VM and a pipeline step reads several).
  const Clock::TimePoint split = batch.size() == 1 ? executed : clock_.Now();
  // Run to completion follows the recent execution time (a moving average, 1/8 weight).
  // One sample counts for at most twice the limit: a fast model's run that the kernel
  // preempted (hundreds of us on a busy machine) would otherwise lift the average over the
  // limit and send the next dozen requests to the workers; a model really slower than the
  // limit still averages above it.
  const int64_t limit = options_.inline_execution_limit.count();
  const int64_t measured = Since(start, split).count();
  const int64_t took = limit > 0 ? std::min(measured, 2 * limit) : measured;
  const int64_t recent = recent_execute_ns_.load(std::memory_order_relaxed);
  recent_execute_ns_.store(
      recent == std::numeric_limits<int64_t>::max() ? took : recent + (took - recent) / 8,
      std::memory_order_relaxed);

  record.succeeded = succeeded;
  // Merging inputs and the runtime's input conversion are compute_input; its output
  // conversion and splitting are compute_output (Triton's split of a model's time).
  const auto conversions = std::min(times.input + times.output, Since(merged, executed));
  const auto input_part = std::min(times.input, conversions);
  record.compute_input = Since(start, merged) + input_part;
  record.compute_infer = Since(merged, executed) - conversions;
  record.compute_output = Since(executed, split) + (conversions - input_part);
  for (const PendingRequest& pending : batch) {
    record.request_total += Since(pending.enqueued, split);
    // The trace extension's timeline of a sampled request (serving/tracer.h).
    if (RequestTrace* trace = pending.request->trace.get()) {
      trace->Stamp("QUEUE_START", pending.enqueued);
      trace->Stamp("COMPUTE_START", start);
      trace->Stamp("COMPUTE_INPUT_END", start + record.compute_input);
      trace->Stamp("COMPUTE_OUTPUT_START", split - record.compute_output);
      trace->Stamp("COMPUTE_END", split);
    }
  }
  record.finished = split;

  Results results;
  results.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!succeeded) {
      results.emplace_back(batch.size() == 1 ? single.status() : parts.status());
      continue;
    }
    auto response = std::make_unique<InferResponse>();
    response->model_name = options_.model_name;
    response->model_version = options_.model_version;
    response->id = batch[i].request->id;
    response->outputs = batch.size() == 1 ? *std::move(single) : std::move((*parts)[i]);
    results.emplace_back(std::move(response));
  }
  return results;
}

void DynamicScheduler::Respond(PendingRequest& pending, InferResult&& result) {
  if (ordered_.has_value()) {
    ordered_->Complete(pending.sequence, std::move(pending.done), std::move(result));
  } else {
    std::move(pending.done)(std::move(result));
  }
}

}  // namespace tensord::scheduler

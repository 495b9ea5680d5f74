// Per-model-version request scheduling: a queue in front of a pool of runtime instances.
//
//   absl::StatusOr<SchedulerPtr> scheduler = CreateScheduler(model, {.model_name = "mlp",
//                                                                    .model_version = "1",
//                                                                    .instance_count = 2});
//   (*scheduler)->Enqueue(std::move(request), std::move(done));
//   InferenceStats stats = (*scheduler)->Stats();
//
// The scheduler batches adaptively when the model config asks for it (scheduler/
// batch_former.h has the rules) and runs `instance_count` instances in parallel. A request
// that can run at once on an idle instance of a fast model runs on the caller's thread
// (SchedulerOptions::inline_execution_limit); everything else goes to the worker threads,
// one per instance. Request parameters "timeout" (microseconds) and "priority" are honoured.
//
// The model must outlive its scheduler. Requests reaching Enqueue have been validated
// against the model's config (core/request_validation.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/inference_stats.h"
#include "runtime/runtime.h"
#include "scheduler/clock.h"

namespace tensord::scheduler {

class DeadlineTimer;  // scheduler/deadline_timer.h

struct SchedulerOptions {
  std::string model_name;
  std::string model_version;
  int instance_count = 1;
  runtime::InstanceOptions instance_options;
  // Time source for batching delays, timeouts and statistics; nullptr: SteadyClock().
  // Must outlive the scheduler.
  Clock* clock = nullptr;
  // Answers timed-out requests while every instance is busy; shared by the schedulers of
  // a server. nullptr: the scheduler runs a timer of its own. Must outlive the scheduler.
  DeadlineTimer* deadline_timer = nullptr;
  // Run to completion: a request that can be dispatched at once, while an instance is idle,
  // executes on the thread that enqueued it (no hand-off to a worker and back) when the
  // model's recent batches took at most this long. Longer models keep the hand-off, so the
  // caller (an I/O thread) stays free and instances run in parallel. The hand-off costs
  // two thread wake-ups (~10 us of CPU here); a model slower than that gains more from
  // running beside the I/O thread than inline saves: at 50 us (tried first) an MLP lost 20%
  // of its unbatched req/s behind one I/O thread (docs/bench/overhead.md). 0: never.
  static constexpr std::chrono::nanoseconds kDefaultInlineExecutionLimit =
      std::chrono::microseconds(20);
  std::chrono::nanoseconds inline_execution_limit = kDefaultInlineExecutionLimit;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Takes the request. `done` runs exactly once: with the response, or with an error
  // (Unavailable when shutting down or the queue is full, DeadlineExceeded on timeout,
  // the runtime's error otherwise). It may run before Enqueue returns, on the caller's
  // thread (errors, and run-to-completion), so the caller must not hold a lock `done`
  // takes. Thread-safe.
  virtual void Enqueue(std::unique_ptr<InferRequest>&& request, InferCallback&& done) = 0;
  // Stops taking requests, finishes those queued, and joins the worker threads.
  // Idempotent; the destructor calls it.
  virtual void Shutdown() = 0;
  // Stops waiting for batch mates: what is queued, and what comes later, is dispatched as
  // soon as an instance is free. For a version that stops serving (unload, reload,
  // shutdown), whose queued requests would otherwise wait out the batching delay for
  // requests that can no longer come. Thread-safe, idempotent.
  virtual void Drain() {}
  // A consistent snapshot of the counters. Thread-safe.
  virtual InferenceStats Stats() const { return {}; }
};
using SchedulerPtr = std::unique_ptr<Scheduler>;

// Creates the instances (failing if any cannot be created) and starts the workers.
absl::StatusOr<SchedulerPtr> CreateScheduler(runtime::Model& model, SchedulerOptions options);

}  // namespace tensord::scheduler

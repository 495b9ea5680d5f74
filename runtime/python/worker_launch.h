// How one model's workers are started and loaded: the command, the load message and the
// timeouts, shared (read-only) by the model and its instances.
//
//   auto launch = std::make_shared<const WorkerLaunch>(...);
//   absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = StartWorker(*launch, arena.fd());
//   if (absl::Status s = AwaitLoaded(*launch, **worker); !s.ok()) ...  // the load error
//
// Load errors name the model, the implementation and the reason, as the worker reported it
// ("ModuleNotFoundError: No module named 'models'") or as tensord saw it (timeout, crash);
// the worker's traceback goes to the server log. Thread-safe (const after creation).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/python/worker_process.h"

namespace tensord::runtime::python {

struct WorkerLaunch {
  std::shared_ptr<Forker> forker;
  WorkerCommand command;
  std::string load_message;  // {"op": "load", ...}: the first message every worker gets
  std::string model_name;
  std::string implementation;
  // The settings declare no outputs (MLServer's usual case): predict() decides what it
  // returns, and a requested output it did not return is left out of the answer, as MLServer
  // answers with its prediction as is. Declared outputs are a contract: one missing is an error.
  bool open_outputs = false;
  std::chrono::milliseconds predict_timeout{60'000};
  std::chrono::milliseconds load_timeout{120'000};
};

// Forks a worker and sends it the load message; does not wait for the load.
absl::StatusOr<std::unique_ptr<WorkerProcess>> StartWorker(const WorkerLaunch& launch,
                                                           int arena_fd);

// Waits for the worker's answer to the load message. On failure the worker is killed and the
// status says why: FailedPrecondition for the model's own errors (import, load() raising),
// DeadlineExceeded past the load timeout, Internal when the worker died.
absl::Status AwaitLoaded(const WorkerLaunch& launch, WorkerProcess& worker);

// "12 s", "250 ms": durations in messages.
std::string DurationText(std::chrono::milliseconds duration);

}  // namespace tensord::runtime::python

// One instance of a python model: one worker process and its shared-memory arena.
//
// Execute writes the inputs into the arena, sends a PredictCall (control_message.h) with the
// request's parameters (SetRequestContext) and waits for the reply:
//   - predict() raised: Internal "<ExceptionType>: <message>" (the traceback is logged);
//     the worker keeps serving.
//   - no reply within the predict timeout, or the request's own `timeout` parameter
//     (microseconds) when shorter: the worker is killed, DeadlineExceeded.
//   - the worker died (a signal, os._exit): Internal naming the model, the pid and the
//     signal.
// After a kill or a death a new worker is started at once and loads while the instance waits
// for its next request, which waits for that load (and fails, Unavailable, if it fails).
// Called by one thread at a time, as every Instance.
#pragma once

#include <memory>
#include <string>

#include "runtime/python/shm_arena.h"
#include "runtime/python/worker_launch.h"
#include "runtime/runtime.h"

namespace tensord::runtime::python {

// The largest arena a worker may grow to for one reply's outputs.
inline constexpr uint64_t kMaxArenaBytes = uint64_t{4} << 30;

class PythonInstance : public Instance {
 public:
  // `worker` may be null (started on the first Execute) or already loaded (`loaded`).
  PythonInstance(std::shared_ptr<const WorkerLaunch> launch, ShmArena&& arena,
                 std::unique_ptr<WorkerProcess> worker, bool loaded);
  ~PythonInstance() override;

  void SetRequestContext(const RequestContext& context) override;
  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override;

 private:
  absl::Status EnsureLoaded();
  void Restart();
  absl::StatusOr<std::vector<Tensor>> CollectOutputs(const struct WorkerReply& reply,
                                                     std::span<const std::string> output_names);

  std::shared_ptr<const WorkerLaunch> launch_;
  ShmArena arena_;
  std::unique_ptr<WorkerProcess> worker_;
  bool loaded_ = false;
  std::string request_id_;
  Parameters request_parameters_;
};

}  // namespace tensord::runtime::python

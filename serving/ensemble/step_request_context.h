// What the steps of a composite request (a Triton ensemble, a Seldon pipeline) inherit from
// it: the request's id, its timeout (Triton's "timeout" parameter, microseconds), turned
// into a deadline when the composite starts and into each step request's time left, and its
// cancellation flag, shared, so that steps still queued when the client goes away are
// dropped by their schedulers (answered Cancelled) and the composite answers with that.
//
// The flag comes from runtime::RequestContext::cancelled, which the scheduler passes.
//
//   void SetRequestContext(const runtime::RequestContext& c) override { context_.Set(c); }
//   Execute(...) { StepDeadline run = context_.Take(); ... }
//   absl::Status ok = run.Apply(*step_request);   // DeadlineExceeded once the time is up
//
// Set and Take are called by the instance's one thread (the scheduler calls
// SetRequestContext right before Execute); Apply may run on any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "core/infer_request.h"
#include "runtime/runtime.h"

namespace tensord {

struct StepDeadline {
  std::string id;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::shared_ptr<const std::atomic<bool>> cancelled;  // the composite request's

  // Gives `request` the id, the cancellation flag and the time left; DeadlineExceeded when
  // none is left, Cancelled when the composite request was cancelled.
  absl::Status Apply(InferRequest& request) const;
};

class StepRequestContext {
 public:
  void Set(const runtime::RequestContext& context);
  // The id and deadline of the Execute that starts now; clears them.
  StepDeadline Take();

 private:
  std::string id_;
  std::optional<std::chrono::microseconds> timeout_;
  std::shared_ptr<const std::atomic<bool>> cancelled_;
};

}  // namespace tensord

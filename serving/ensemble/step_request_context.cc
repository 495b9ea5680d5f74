#include "serving/ensemble/step_request_context.h"

#include <utility>
#include <variant>

namespace tensord {

void StepRequestContext::Set(const runtime::RequestContext& context) {
  id_ = std::string(context.id);
  cancelled_ = context.cancelled;
  timeout_.reset();
  if (context.parameters == nullptr) return;
  auto found = context.parameters->find("timeout");
  if (found == context.parameters->end()) return;
  if (const int64_t* micros = std::get_if<int64_t>(&found->second); micros && *micros > 0) {
    timeout_ = std::chrono::microseconds(*micros);
  }
}

StepDeadline StepRequestContext::Take() {
  StepDeadline run{.id = std::exchange(id_, {}), .cancelled = std::exchange(cancelled_, {})};
  if (timeout_) run.deadline = std::chrono::steady_clock::now() + *timeout_;
  timeout_.reset();
  return run;
}

absl::Status StepDeadline::Apply(InferRequest& request) const {
  request.id = id;
  request.cancelled = cancelled;
  if (cancelled && cancelled->load(std::memory_order_relaxed)) {
    return absl::CancelledError("the request was cancelled before the step could start");
  }
  if (!deadline) return absl::OkStatus();
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      *deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    return absl::DeadlineExceededError("the request's timeout passed before the step could start");
  }
  request.parameters["timeout"] = int64_t{left.count()};
  return absl::OkStatus();
}

}  // namespace tensord

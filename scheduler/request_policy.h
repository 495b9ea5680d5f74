// Reads the per-request scheduling parameters of the protocol: "timeout" (microseconds,
// lowers the model's default timeout) and "priority" (1 is the most urgent level; 0 or
// absent: the default level, after every explicit one).
//
//   absl::StatusOr<RequestPolicy> policy = ReadRequestPolicy(request, config.batching);
//   deadline = policy->timeout.count() ? enqueued + policy->timeout : TimePoint::max();
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord::scheduler {

struct RequestPolicy {
  std::chrono::microseconds timeout{0};  // 0: none
  uint64_t priority = 0;                 // the PendingRequest::priority to queue under
};

// InvalidArgument, naming the parameter, when "timeout" or "priority" is not a
// non-negative integer.
absl::StatusOr<RequestPolicy> ReadRequestPolicy(const InferRequest& request,
                                                const std::optional<BatchingConfig>& batching);

}  // namespace tensord::scheduler

#include "scheduler/request_policy.h"

#include <algorithm>

#include "fmt/format.h"
#include "scheduler/pending_request.h"

namespace tensord::scheduler {
namespace {

// The parameter as a non-negative integer; nullopt when absent.
absl::StatusOr<std::optional<int64_t>> ReadCount(const InferRequest& request, std::string_view name,
                                                 std::string_view unit) {
  auto it = request.parameters.find(name);
  if (it == request.parameters.end()) return std::nullopt;
  const int64_t* value = std::get_if<int64_t>(&it->second);
  if (value == nullptr || *value < 0) {
    return absl::InvalidArgumentError(
        fmt::format("request parameter '{}' must be a non-negative integer{}", name, unit));
  }
  return *value;
}

}  // namespace

absl::StatusOr<RequestPolicy> ReadRequestPolicy(const InferRequest& request,
                                                const std::optional<BatchingConfig>& batching) {
  RequestPolicy policy;
  if (batching.has_value()) policy.timeout = batching->default_timeout;
  absl::StatusOr<std::optional<int64_t>> timeout = ReadCount(request, "timeout", " (microseconds)");
  if (!timeout.ok()) return timeout.status();
  if (timeout->has_value() && **timeout > 0) {
    const std::chrono::microseconds asked(**timeout);
    policy.timeout = policy.timeout.count() > 0 ? std::min(policy.timeout, asked) : asked;
  }
  absl::StatusOr<std::optional<int64_t>> priority = ReadCount(request, "priority", "");
  if (!priority.ok()) return priority.status();
  policy.priority =
      priority->value_or(0) > 0 ? static_cast<uint64_t>(**priority) : kDefaultPriority;
  return policy;
}

}  // namespace tensord::scheduler

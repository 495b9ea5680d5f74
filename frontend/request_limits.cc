#include "frontend/request_limits.h"

#include "fmt/format.h"

namespace tensord {

absl::Status CheckRequestLimits(const InferRequest& request, const RequestLimits& limits) {
  if (request.inputs.size() > limits.max_tensors) {
    return absl::InvalidArgumentError(
        fmt::format("request has {} inputs, more than the limit of {} (--max-tensors-per-request)",
                    request.inputs.size(), limits.max_tensors));
  }
  if (request.outputs.size() > limits.max_tensors) {
    return absl::InvalidArgumentError(fmt::format(
        "request asks for {} outputs, more than the limit of {} (--max-tensors-per-request)",
        request.outputs.size(), limits.max_tensors));
  }
  for (const Tensor& input : request.inputs) {
    absl::StatusOr<int64_t> elements = ElementCount(input.shape);
    // A shape that does not compute is the validator's to report, with its own message.
    if (elements.ok() && *elements > limits.max_elements) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' has {} elements (shape {}), more than the limit of {} "
                      "(--max-elements-per-tensor)",
                      input.name, *elements, ShapeToString(input.shape), limits.max_elements));
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord

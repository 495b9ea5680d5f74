#include "core/request_validation.h"

#include <set>
#include <string_view>

#include "fmt/format.h"

namespace tensord {
namespace {

const TensorConfig* FindTensor(const std::vector<TensorConfig>& tensors, std::string_view name) {
  for (const TensorConfig& tensor : tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

}  // namespace

absl::Status ValidateInferRequest(const ModelConfig& config, const InferRequest& request) {
  const std::string& model = config.name;
  std::set<std::string_view> seen;
  int64_t batch_size = -1;
  for (const Tensor& input : request.inputs) {
    const TensorConfig* expected = FindTensor(config.inputs, input.name);
    if (expected == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("unexpected inference input '{}' for model '{}'", input.name, model));
    }
    if (!seen.insert(input.name).second) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' appears more than once in the request", input.name));
    }
    if (input.datatype != expected->datatype) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' has datatype {}, but model '{}' expects {}", input.name,
                      DataTypeName(input.datatype), model, DataTypeName(expected->datatype)));
    }
    const Shape pattern = FullShape(config, *expected);
    if (!ShapeMatches(pattern, input.shape)) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' has shape {}, but model '{}' expects {}", input.name,
                      ShapeToString(input.shape), model, ShapeToString(pattern)));
    }
    if (config.max_batch_size > 0) {
      const int64_t rows = input.shape.front();
      if (rows < 1 || rows > config.max_batch_size) {
        return absl::InvalidArgumentError(
            fmt::format("input '{}' has batch size {}, but model '{}' accepts 1 to {}", input.name,
                        rows, model, config.max_batch_size));
      }
      if (batch_size >= 0 && rows != batch_size) {
        return absl::InvalidArgumentError(fmt::format(
            "input '{}' has batch size {}, but another input of the request has batch size {}",
            input.name, rows, batch_size));
      }
      batch_size = rows;
    }
    absl::Status data = CheckTensorData(input, "input");
    if (!data.ok()) return data;
  }
  for (const TensorConfig& expected : config.inputs) {
    if (!expected.optional && !seen.contains(expected.name)) {
      return absl::InvalidArgumentError(
          fmt::format("missing input '{}' for model '{}'", expected.name, model));
    }
  }
  std::set<std::string_view> requested;
  for (const RequestedOutput& output : request.outputs) {
    if (FindTensor(config.outputs, output.name) == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("unexpected inference output '{}' for model '{}'", output.name, model));
    }
    if (!requested.insert(output.name).second) {
      return absl::InvalidArgumentError(
          fmt::format("output '{}' is requested more than once", output.name));
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord

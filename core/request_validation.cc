#include "core/request_validation.h"

#include <map>
#include <set>
#include <string>
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

// The config input a request tensor feeds: the one of its name, else the model's only
// input when that one takes any name.
const TensorConfig* FindInput(const ModelConfig& config, std::string_view name) {
  if (const TensorConfig* tensor = FindTensor(config.inputs, name)) return tensor;
  if (config.inputs.size() == 1 && config.inputs.front().accept_any_name) {
    return &config.inputs.front();
  }
  return nullptr;
}

bool Accepts(const TensorConfig& expected, DataType type) {
  if (type == expected.datatype) return true;
  for (DataType accepted : expected.accepted_datatypes) {
    if (type == accepted) return true;
  }
  return false;
}

std::string AcceptedNames(const TensorConfig& expected) {
  if (expected.accepted_datatypes.empty()) return std::string(DataTypeName(expected.datatype));
  std::string names = fmt::format("one of {}", DataTypeName(expected.datatype));
  for (DataType accepted : expected.accepted_datatypes) {
    names += fmt::format(", {}", DataTypeName(accepted));
  }
  return names;
}

// Requested output names: known (unless the model takes any), none twice.
absl::Status ValidateRequestedOutputs(const ModelConfig& config, const InferRequest& request) {
  const std::string& model = config.name;
  const bool any_name = config.any_outputs && config.outputs.empty();
  std::set<std::string_view> requested;
  for (const RequestedOutput& output : request.outputs) {
    if (!any_name && FindTensor(config.outputs, output.name) == nullptr) {
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


// A model that declares no inputs (config.any_inputs): names are the model code's business;
// the data must still match each shape, no name twice, and batched inputs agree on rows.
absl::Status ValidateUndeclared(const ModelConfig& config, const InferRequest& request) {
  std::set<std::string_view> seen;
  int64_t batch_size = -1;
  for (const Tensor& input : request.inputs) {
    if (!seen.insert(input.name).second) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' appears more than once in the request", input.name));
    }
    if (config.max_batch_size > 0) {
      const int64_t rows = input.shape.empty() ? 0 : input.shape.front();
      if (rows < 1 || rows > config.max_batch_size) {
        return absl::InvalidArgumentError(
            fmt::format("input '{}' has batch size {}, but model '{}' accepts 1 to {}", input.name,
                        rows, config.name, config.max_batch_size));
      }
      if (batch_size >= 0 && rows != batch_size) {
        return absl::InvalidArgumentError(fmt::format(
            "input '{}' has batch size {}, but another input of the request has batch size {}",
            input.name, rows, batch_size));
      }
      batch_size = rows;
    }
    if (absl::Status data = CheckTensorData(input, "input"); !data.ok()) return data;
  }
  return ValidateRequestedOutputs(config, request);
}

}  // namespace

absl::Status ValidateInferRequest(const ModelConfig& config, const InferRequest& request) {
  const std::string& model = config.name;
  std::set<std::string_view> seen;
  std::map<const TensorConfig*, std::string_view> fed;  // config input -> request tensor name
  int64_t batch_size = -1;
  if (config.any_inputs && config.inputs.empty()) return ValidateUndeclared(config, request);
  for (const Tensor& input : request.inputs) {
    const TensorConfig* expected = FindInput(config, input.name);
    if (expected == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("unexpected inference input '{}' for model '{}'", input.name, model));
    }
    if (!seen.insert(input.name).second) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' appears more than once in the request", input.name));
    }
    if (auto [it, inserted] = fed.emplace(expected, input.name); !inserted) {
      // Only an any-name input can be fed twice under different names.
      return absl::InvalidArgumentError(
          fmt::format("inputs '{}' and '{}' both feed the single input of model '{}'", it->second,
                      input.name, model));
    }
    if (!Accepts(*expected, input.datatype)) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' has datatype {}, but model '{}' expects {}", input.name,
                      DataTypeName(input.datatype), model, AcceptedNames(*expected)));
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
    if (!expected.optional && !fed.contains(&expected)) {
      return absl::InvalidArgumentError(
          fmt::format("missing input '{}' for model '{}'", expected.name, model));
    }
  }
  return ValidateRequestedOutputs(config, request);
}

}  // namespace tensord

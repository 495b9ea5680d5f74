#include "core/request_validation.h"

#include <set>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"

namespace tensord {
namespace {

// Names met so far in one request: a linear scan while they are few (the usual request: no
// allocation), a set past that, so that a request of thousands of tensors stays linear-ish.
class NameSet {
 public:
  // False when `name` was already there.
  bool Insert(std::string_view name) {
    if (large_.empty()) {
      for (std::string_view known : small_) {
        if (known == name) return false;
      }
      if (small_.size() < kSmall) {
        small_.push_back(name);
        return true;
      }
      large_.insert(small_.begin(), small_.end());
    }
    return large_.insert(name).second;
  }

 private:
  static constexpr size_t kSmall = 16;
  absl::InlinedVector<std::string_view, kSmall> small_;
  std::set<std::string_view> large_;
};

// `shape` against the tensor's dims, with the batch dimension in front when the model
// batches (FullShape), without building that pattern.
bool FullShapeMatches(const ModelConfig& config, const TensorConfig& tensor,
                      std::span<const int64_t> shape) {
  if (config.max_batch_size <= 0) return ShapeMatches(tensor.dims, shape);
  return !shape.empty() && ShapeMatches(tensor.dims, shape.subspan(1));
}

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
  NameSet requested;
  for (const RequestedOutput& output : request.outputs) {
    if (!any_name && FindTensor(config.outputs, output.name) == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("unexpected inference output '{}' for model '{}'", output.name, model));
    }
    if (!requested.Insert(output.name)) {
      return absl::InvalidArgumentError(
          fmt::format("output '{}' is requested more than once", output.name));
    }
  }
  return absl::OkStatus();
}


// A model that declares no inputs (config.any_inputs): names are the model code's business;
// the data must still match each shape, no name twice, and batched inputs agree on rows.
absl::Status ValidateUndeclared(const ModelConfig& config, const InferRequest& request) {
  NameSet seen;
  int64_t batch_size = -1;
  for (const Tensor& input : request.inputs) {
    if (!seen.Insert(input.name)) {
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
  if (config.any_inputs && config.inputs.empty()) return ValidateUndeclared(config, request);
  NameSet seen;
  // By config input (index): the request tensor that feeds it.
  absl::InlinedVector<const Tensor*, 8> fed(config.inputs.size(), nullptr);
  int64_t batch_size = -1;
  for (const Tensor& input : request.inputs) {
    const TensorConfig* expected = FindInput(config, input.name);
    if (expected == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("unexpected inference input '{}' for model '{}'", input.name, model));
    }
    if (!seen.Insert(input.name)) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' appears more than once in the request", input.name));
    }
    const Tensor*& feeder = fed[static_cast<size_t>(expected - config.inputs.data())];
    if (feeder != nullptr) {
      // Only an any-name input can be fed twice under different names.
      return absl::InvalidArgumentError(
          fmt::format("inputs '{}' and '{}' both feed the single input of model '{}'",
                      feeder->name, input.name, model));
    }
    feeder = &input;
    if (!Accepts(*expected, input.datatype)) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}' has datatype {}, but model '{}' expects {}", input.name,
                      DataTypeName(input.datatype), model, AcceptedNames(*expected)));
    }
    if (!FullShapeMatches(config, *expected, input.shape)) {
      return absl::InvalidArgumentError(fmt::format(
          "input '{}' has shape {}, but model '{}' expects {}", input.name,
          ShapeToString(input.shape), model, ShapeToString(FullShape(config, *expected))));
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
  for (size_t i = 0; i < config.inputs.size(); ++i) {
    const TensorConfig& expected = config.inputs[i];
    if (!expected.optional && fed[i] == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("missing input '{}' for model '{}'", expected.name, model));
    }
  }
  return ValidateRequestedOutputs(config, request);
}

}  // namespace tensord

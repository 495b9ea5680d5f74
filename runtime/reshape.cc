#include "runtime/reshape.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord::runtime {
namespace {

// One reshaped tensor: clients use `dims`, the model `model_dims`.
struct Mapping {
  std::string name;
  Shape dims;
  Shape model_dims;
};

struct Mappings {
  std::vector<Mapping> inputs;
  std::vector<Mapping> outputs;
  size_t batch_dims = 0;
};

const Mapping* Find(const std::vector<Mapping>& mappings, std::string_view name) {
  for (const Mapping& m : mappings) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

class ReshapedInstance : public Instance {
 public:
  ReshapedInstance(InstancePtr inner, std::shared_ptr<const Mappings> mappings)
      : inner_(std::move(inner)), mappings_(std::move(mappings)) {}

  void SetRequestContext(const RequestContext& context) override {
    inner_->SetRequestContext(context);
  }

  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override {
    ExecuteTimes ignored;
    return ExecuteTimed(inputs, output_names, ignored);
  }

  absl::StatusOr<std::vector<Tensor>> ExecuteTimed(std::span<const Tensor> inputs,
                                                   std::span<const std::string> output_names,
                                                   ExecuteTimes& times) override {
    std::vector<Tensor> model_inputs(inputs.begin(), inputs.end());
    for (Tensor& input : model_inputs) {
      const Mapping* mapping = Find(mappings_->inputs, input.name);
      if (mapping == nullptr) continue;
      absl::StatusOr<Shape> shape =
          ReshapeTo(input.shape, mapping->dims, mapping->model_dims, mappings_->batch_dims,
                    fmt::format("input '{}'", input.name));
      if (!shape.ok()) return shape.status();
      input.shape = *std::move(shape);
    }
    absl::StatusOr<std::vector<Tensor>> outputs =
        inner_->ExecuteTimed(model_inputs, output_names, times);
    if (!outputs.ok()) return outputs;
    for (Tensor& output : *outputs) {
      const Mapping* mapping = Find(mappings_->outputs, output.name);
      if (mapping == nullptr) continue;
      absl::StatusOr<Shape> shape =
          ReshapeTo(output.shape, mapping->model_dims, mapping->dims, mappings_->batch_dims,
                    fmt::format("output '{}'", output.name));
      // The model produced a shape its config's reshape does not describe: the server's
      // configuration is wrong, not the request.
      if (!shape.ok()) return absl::InternalError(shape.status().message());
      output.shape = *std::move(shape);
    }
    return outputs;
  }

 private:
  InstancePtr inner_;
  std::shared_ptr<const Mappings> mappings_;
};

class ReshapedModel : public Model {
 public:
  ReshapedModel(ModelPtr inner, ModelConfig config, std::shared_ptr<const Mappings> mappings)
      : inner_(std::move(inner)), config_(std::move(config)), mappings_(std::move(mappings)) {}

  const ModelConfig& config() const override { return config_; }

  absl::StatusOr<InstancePtr> CreateInstance(const InstanceOptions& options) override {
    absl::StatusOr<InstancePtr> instance = inner_->CreateInstance(options);
    if (!instance.ok()) return instance;
    return InstancePtr(new ReshapedInstance(*std::move(instance), mappings_));
  }

 private:
  ModelPtr inner_;
  ModelConfig config_;
  std::shared_ptr<const Mappings> mappings_;
};

bool HasReshape(const std::vector<TensorConfig>& tensors) {
  return std::any_of(tensors.begin(), tensors.end(),
                     [](const TensorConfig& t) { return t.reshape.has_value(); });
}

// Before loading: the runtime checks and completes the model-side shapes.
void UseModelShapes(std::vector<TensorConfig>& tensors) {
  for (TensorConfig& tensor : tensors) {
    if (!tensor.reshape.has_value()) continue;
    tensor.dims = *std::move(tensor.reshape);
    tensor.reshape.reset();
  }
}

// After loading: the completed (model-side) dims become the reshape, the clients' dims
// come back, and each reshaped tensor gets a mapping.
void UseClientShapes(const std::vector<TensorConfig>& declared, std::vector<TensorConfig>& tensors,
                     std::vector<Mapping>& mappings) {
  for (TensorConfig& tensor : tensors) {
    auto it = std::find_if(declared.begin(), declared.end(),
                           [&](const TensorConfig& d) { return d.name == tensor.name; });
    if (it == declared.end() || !it->reshape.has_value()) continue;
    tensor.reshape = tensor.dims;
    tensor.dims = it->dims;
    mappings.push_back({.name = tensor.name, .dims = tensor.dims, .model_dims = *tensor.reshape});
  }
}

int64_t Product(std::span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace

absl::StatusOr<Shape> ReshapeTo(std::span<const int64_t> actual, const Shape& from,
                                const Shape& to, size_t batch_dims, std::string_view what) {
  const auto refuse = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        fmt::format("{}: shape {} cannot be reshaped from {} to {} (the config's reshape): {}",
                    what, ShapeToString(actual), ShapeToString(from), ShapeToString(to), why));
  };
  if (actual.size() < batch_dims) return refuse("it has no batch dimension");
  std::span<const int64_t> item = actual.subspan(batch_dims);
  absl::StatusOr<int64_t> count = ElementCount(item);
  if (!count.ok()) return refuse("too many elements");

  // The sizes the -1s of `from` took in this tensor, in order.
  std::vector<int64_t> variable;
  if (item.size() == from.size()) {
    for (size_t i = 0; i < from.size(); ++i) {
      if (from[i] < 0) variable.push_back(item[i]);
    }
  }
  Shape out(actual.begin(), actual.begin() + static_cast<std::ptrdiff_t>(batch_dims));
  out.insert(out.end(), to.begin(), to.end());
  std::span<int64_t> target(out.data() + batch_dims, to.size());
  const auto wildcards = static_cast<size_t>(std::count(to.begin(), to.end(), int64_t{-1}));
  if (wildcards == 1) {
    // The element count decides a single -1.
    auto wildcard = std::find(target.begin(), target.end(), int64_t{-1});
    *wildcard = 1;
    const int64_t known = Product(target);
    if (known == 0 ? *count != 0 : *count % known != 0) {
      return refuse(fmt::format("{} elements do not divide into it", *count));
    }
    *wildcard = known == 0 ? 0 : *count / known;
  } else if (wildcards > 1 && wildcards == variable.size()) {
    // Several: the request's variable sizes, in order.
    size_t next = 0;
    for (int64_t& d : target) {
      if (d < 0) d = variable[next++];
    }
  } else if (wildcards > 1) {
    return refuse("its sizes cannot be matched to the reshape's -1 dimensions");
  }
  absl::StatusOr<int64_t> reshaped = ElementCount(target);
  if (!reshaped.ok() || *reshaped != *count) {
    return refuse(fmt::format("{} elements, the reshape holds {}", *count,
                              reshaped.ok() ? std::to_string(*reshaped) : "too many"));
  }
  return out;
}

absl::StatusOr<ModelPtr> LoadReshaped(Runtime& runtime, const ModelConfig& config,
                                      const std::filesystem::path& model_path) {
  if (!HasReshape(config.inputs) && !HasReshape(config.outputs)) {
    return runtime.Load(config, model_path);
  }
  ModelConfig model_side = config;
  UseModelShapes(model_side.inputs);
  UseModelShapes(model_side.outputs);
  absl::StatusOr<ModelPtr> loaded = runtime.Load(model_side, model_path);
  if (!loaded.ok()) {
    return absl::Status(loaded.status().code(),
                        fmt::format("{} (for a reshaped tensor the model's shape is the config's "
                                    "reshape, not its dims)",
                                    Message(loaded.status())));
  }
  ModelConfig client = (*loaded)->config();
  auto mappings = std::make_shared<Mappings>();
  mappings->batch_dims = client.max_batch_size > 0 ? 1 : 0;
  UseClientShapes(config.inputs, client.inputs, mappings->inputs);
  UseClientShapes(config.outputs, client.outputs, mappings->outputs);
  return ModelPtr(new ReshapedModel(*std::move(loaded), std::move(client), std::move(mappings)));
}

}  // namespace tensord::runtime

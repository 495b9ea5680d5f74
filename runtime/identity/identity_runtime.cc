#include "runtime/identity/identity_runtime.h"

#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fmt/format.h"

namespace tensord::runtime::identity {
namespace {

constexpr std::string_view kInputPrefix = "INPUT";
constexpr std::string_view kOutputPrefix = "OUTPUT";
constexpr std::string_view kDelayParameter = "execute_delay_ms";
constexpr int64_t kMaxDelayMs = 3'600'000;

// The shape the model itself sees for a tensor: its reshape where set, else its dims.
const Shape& ModelShape(const TensorConfig& tensor) {
  return tensor.reshape.has_value() ? *tensor.reshape : tensor.dims;
}

class IdentityInstance final : public Instance {
 public:
  // `source[name]`: the input each output answers.
  IdentityInstance(const std::map<std::string, std::string, std::less<>>& source,
                   std::chrono::milliseconds delay)
      : source_(source), delay_(delay) {}

  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    std::vector<Tensor> outputs;
    outputs.reserve(output_names.size());
    for (const std::string& name : output_names) {
      auto pair = source_.find(name);
      if (pair == source_.end()) {
        return absl::InvalidArgumentError(fmt::format("unknown output '{}'", name));
      }
      const Tensor* input = nullptr;
      for (const Tensor& tensor : inputs) {
        if (tensor.name == pair->second) input = &tensor;
      }
      if (input == nullptr) {
        return absl::InvalidArgumentError(
            fmt::format("output '{}' answers input '{}', which the request does not have", name,
                        pair->second));
      }
      Tensor output = *input;  // shares the buffer: no copy
      output.name = name;
      output.parameters = {};
      outputs.push_back(std::move(output));
    }
    return outputs;
  }

 private:
  const std::map<std::string, std::string, std::less<>>& source_;
  const std::chrono::milliseconds delay_;
};

class IdentityModel final : public Model {
 public:
  IdentityModel(ModelConfig config, std::map<std::string, std::string, std::less<>> source,
                std::chrono::milliseconds delay)
      : config_(std::move(config)), source_(std::move(source)), delay_(delay) {}

  const ModelConfig& config() const override { return config_; }
  absl::StatusOr<InstancePtr> CreateInstance(const InstanceOptions&) override {
    return std::make_unique<IdentityInstance>(source_, delay_);
  }

 private:
  const ModelConfig config_;
  const std::map<std::string, std::string, std::less<>> source_;
  const std::chrono::milliseconds delay_;
};

absl::StatusOr<std::chrono::milliseconds> ReadDelay(const ModelConfig& config,
                                                    std::string_view where) {
  auto found = config.parameters.find(std::string(kDelayParameter));
  if (found == config.parameters.end()) return std::chrono::milliseconds(0);
  const std::string& text = found->second;
  int64_t ms = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (error != std::errc() || end != text.data() + text.size() || ms < 0 || ms > kMaxDelayMs) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: parameter '{}' is '{}'; it takes a whole number of milliseconds from 0 to {}",
        where, kDelayParameter, text, kMaxDelayMs));
  }
  return std::chrono::milliseconds(ms);
}

class IdentityRuntime final : public Runtime {
 public:
  std::string_view default_model_filename() const override { return ""; }
  bool needs_model_file() const override { return false; }

  absl::StatusOr<ModelPtr> Load(const ModelConfig& config,
                                const std::filesystem::path& model_path) override {
    const std::string where = config.source.empty()
                                  ? fmt::format("identity model '{}' ({})", config.name,
                                                model_path.string())
                                  : config.source;
    if (config.inputs.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: an identity model declares its inputs and outputs in the config (input "
          "INPUT<k> is answered as output OUTPUT<k>); this one declares no input",
          where));
    }
    if (config.inputs.size() != config.outputs.size()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: {} inputs and {} outputs; an identity model has one output OUTPUT<k> for each "
          "input INPUT<k>",
          where, config.inputs.size(), config.outputs.size()));
    }
    std::map<std::string, const TensorConfig*, std::less<>> inputs_by_suffix;
    for (const TensorConfig& input : config.inputs) {
      if (!input.name.starts_with(kInputPrefix)) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: input '{}': an identity model's inputs are named INPUT<k>", where, input.name));
      }
      inputs_by_suffix[input.name.substr(kInputPrefix.size())] = &input;
    }
    std::map<std::string, std::string, std::less<>> source;
    for (const TensorConfig& output : config.outputs) {
      if (!output.name.starts_with(kOutputPrefix)) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: output '{}': an identity model's outputs are named OUTPUT<k>", where,
            output.name));
      }
      const std::string suffix = output.name.substr(kOutputPrefix.size());
      auto input = inputs_by_suffix.find(suffix);
      if (input == inputs_by_suffix.end()) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: output '{}' has no input 'INPUT{}' to answer", where, output.name, suffix));
      }
      const TensorConfig& in = *input->second;
      if (in.datatype != output.datatype) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: output '{}' is {} but input '{}' is {}; an identity model returns its input "
            "as it is",
            where, output.name, DataTypeName(output.datatype), in.name, DataTypeName(in.datatype)));
      }
      if (ModelShape(in) != ModelShape(output)) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: output '{}' has shape {} but input '{}' has {}; an identity model returns its "
            "input as it is",
            where, output.name, ShapeToString(ModelShape(output)), in.name,
            ShapeToString(ModelShape(in))));
      }
      source[output.name] = in.name;
    }
    absl::StatusOr<std::chrono::milliseconds> delay = ReadDelay(config, where);
    if (!delay.ok()) return delay.status();
    return std::make_unique<IdentityModel>(config, std::move(source), *delay);
  }
};

}  // namespace

absl::Status RegisterIdentityRuntime(RuntimeRegistry& registry) {
  registry.Register(kPlatform, std::make_shared<IdentityRuntime>());
  return absl::OkStatus();
}

}  // namespace tensord::runtime::identity

#include "repository/test_util/fake_runtime.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "fmt/format.h"

namespace tensord::testing {
namespace {

struct FakeFile {
  int64_t max_batch_size = 0;
  std::vector<TensorConfig> inputs;
  std::vector<TensorConfig> outputs;
  std::string fail_load;
  FakeModel::Behaviour behaviour;
};

absl::StatusOr<Shape> ParseDims(std::string_view text) {
  Shape dims;
  if (text == "-") return dims;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    int64_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (error != std::errc() || end != part.data() + part.size()) {
      return absl::InvalidArgumentError(fmt::format("bad dims '{}'", text));
    }
    dims.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return dims;
}

absl::StatusOr<FakeFile> ParseFakeFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::NotFoundError(fmt::format("cannot open fake model '{}'", path.string()));
  }
  FakeFile parsed;
  std::string line;
  int number = 0;
  while (std::getline(file, line)) {
    ++number;
    std::istringstream words(line);
    std::string directive;
    if (!(words >> directive) || directive.starts_with("#")) continue;
    std::string rest;
    std::getline(words >> std::ws, rest);
    if (directive == "max_batch_size") {
      absl::StatusOr<Shape> value = ParseDims(rest);
      if (!value.ok() || value->size() != 1) {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: expected 'max_batch_size N'", path.string(), number));
      }
      parsed.max_batch_size = value->front();
    } else if (directive == "fail_load") {
      parsed.fail_load = rest;
    } else if (directive == "fail_instance") {
      parsed.behaviour.fail_instance = rest;
    } else if (directive == "fail_execute") {
      parsed.behaviour.fail_execute = rest;
    } else if (directive == "input" || directive == "output") {
      std::istringstream fields(rest);
      std::string name, datatype, dims = "-";
      fields >> name >> datatype >> dims;
      TensorConfig tensor{.name = name, .datatype = DataTypeFromName(datatype)};
      absl::StatusOr<Shape> shape = ParseDims(dims);
      if (name.empty() || tensor.datatype == DataType::kInvalid || !shape.ok()) {
        return absl::InvalidArgumentError(fmt::format("{}:{}: expected '{} NAME DATATYPE DIMS'",
                                                      path.string(), number, directive));
      }
      tensor.dims = *std::move(shape);
      (directive == "input" ? parsed.inputs : parsed.outputs).push_back(std::move(tensor));
    } else {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: unknown directive '{}'", path.string(), number, directive));
    }
  }
  return parsed;
}

// Completes `configured` from `in_file`: the file's list when the config has none; else
// each configured tensor must be in the file, and gets its datatype and dims when unset.
absl::Status Complete(std::string_view role, const std::vector<TensorConfig>& in_file,
                      std::vector<TensorConfig>& configured, const std::string& source) {
  if (configured.empty()) {
    configured = in_file;
    return absl::OkStatus();
  }
  for (TensorConfig& tensor : configured) {
    auto it = std::find_if(in_file.begin(), in_file.end(),
                           [&](const TensorConfig& t) { return t.name == tensor.name; });
    if (it == in_file.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "{} '{}' of the config ({}) is not in the model file", role, tensor.name, source));
    }
    if (tensor.datatype == DataType::kInvalid) tensor.datatype = it->datatype;
    if (tensor.datatype != it->datatype) {
      return absl::InvalidArgumentError(
          fmt::format("{} '{}': the config ({}) says {}, the model file says {}", role, tensor.name,
                      source, DataTypeName(tensor.datatype), DataTypeName(it->datatype)));
    }
    if (tensor.dims.empty()) tensor.dims = it->dims;
  }
  return absl::OkStatus();
}

class FakeInstance final : public runtime::Instance {
 public:
  FakeInstance(const ModelConfig& config, std::string fail_execute)
      : config_(config), fail_execute_(std::move(fail_execute)) {}

  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override {
    if (!fail_execute_.empty()) return absl::InvalidArgumentError(fail_execute_);
    std::vector<Tensor> outputs;
    for (const std::string& name : output_names) {
      size_t index = 0;
      while (index < config_.outputs.size() && config_.outputs[index].name != name) ++index;
      if (index == config_.outputs.size()) {
        return absl::InvalidArgumentError(fmt::format("unknown output '{}'", name));
      }
      // Output k echoes input k (input 0 when there are more outputs than inputs).
      const size_t source = index < config_.inputs.size() ? index : 0;
      if (config_.inputs.empty()) {
        return absl::InvalidArgumentError("the fake model has no input to echo");
      }
      const std::string& input_name = config_.inputs[source].name;
      auto it = std::find_if(inputs.begin(), inputs.end(),
                             [&](const Tensor& t) { return t.name == input_name; });
      if (it == inputs.end()) {
        return absl::InvalidArgumentError(fmt::format("input '{}' is missing", input_name));
      }
      Tensor output = *it;
      output.name = name;
      output.parameters.clear();
      outputs.push_back(std::move(output));
    }
    return outputs;
  }

 private:
  const ModelConfig& config_;
  const std::string fail_execute_;
};

}  // namespace

absl::StatusOr<runtime::ModelPtr> FakeRuntime::Load(const ModelConfig& config,
                                                    const std::filesystem::path& model_path) {
  ++load_count_;
  absl::StatusOr<FakeFile> file = ParseFakeFile(model_path);
  if (!file.ok()) return file.status();
  if (!file->fail_load.empty()) return absl::InvalidArgumentError(file->fail_load);
  ModelConfig completed = config;
  if (completed.max_batch_size == 0) completed.max_batch_size = file->max_batch_size;
  const std::string source = config.source.empty() ? "no config" : config.source;
  if (absl::Status s = Complete("input", file->inputs, completed.inputs, source); !s.ok()) {
    return s;
  }
  if (absl::Status s = Complete("output", file->outputs, completed.outputs, source); !s.ok()) {
    return s;
  }
  return std::make_unique<FakeModel>(std::move(completed), file->behaviour);
}

absl::StatusOr<runtime::InstancePtr> FakeModel::CreateInstance(
    const runtime::InstanceOptions& options) {
  if (!behaviour_.fail_instance.empty()) {
    return absl::ResourceExhaustedError(behaviour_.fail_instance);
  }
  std::lock_guard lock(mutex_);
  ++instance_count_;
  last_options_ = options;
  return std::make_unique<FakeInstance>(config_, behaviour_.fail_execute);
}

int FakeModel::instance_count() const {
  std::lock_guard lock(mutex_);
  return instance_count_;
}

runtime::InstanceOptions FakeModel::last_instance_options() const {
  std::lock_guard lock(mutex_);
  return last_options_;
}

void RegisterFakeRuntime(runtime::RuntimeRegistry& registry, std::shared_ptr<FakeRuntime> runtime) {
  registry.Register("fake", runtime ? std::move(runtime) : std::make_shared<FakeRuntime>());
  registry.AddAlias("fake_backend", "fake");
  registry.AddFileExtension(".fake", "fake");
}

}  // namespace tensord::testing

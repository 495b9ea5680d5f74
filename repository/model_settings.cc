#include "repository/model_settings.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "repository/nesting_depth.h"
#include "repository/path_containment.h"
#include "scheduler/duration.h"

namespace tensord {
namespace {

using nlohmann::json;

constexpr std::string_view kOnnxPlatform = "onnxruntime_onnx";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

class Converter {
 public:
  explicit Converter(std::string_view source) : source_(source) {}

  absl::StatusOr<ModelConfig> Convert(const json& settings) {
    if (!settings.is_object()) return Invalid("", "expected a JSON object");
    ModelConfig config;
    config.source = std::string(source_);
    if (absl::Status s = ReadString(settings, "name", "name", config.name); !s.ok()) return s;
    if (absl::Status s = ReadParameters(settings, config); !s.ok()) return s;
    if (absl::Status s = ReadPlatform(settings, config); !s.ok()) return s;

    int64_t max_batch_size = 0;
    if (absl::Status s = ReadInt(settings, "max_batch_size", max_batch_size); !s.ok()) return s;
    double max_batch_time = 0;
    if (absl::Status s = ReadSeconds(settings, "max_batch_time", max_batch_time); !s.ok()) return s;
    int64_t workers = 0;
    if (absl::Status s = ReadInt(settings, "parallel_workers", workers); !s.ok()) return s;
    // The server's --max-instances-per-model is checked at load; this only keeps the int.
    if (workers > std::numeric_limits<int>::max()) {
      return Invalid("parallel_workers",
                     fmt::format("{} is more instances than a model can run (at most {})", workers,
                                 std::numeric_limits<int>::max()));
    }
    config.instance_count = static_cast<int>(workers);

    // MLServer batches only when both are set; its shapes then start with the batch dim.
    const bool batching = max_batch_size > 1 && max_batch_time > 0;
    if (batching) {
      config.max_batch_size = max_batch_size;
      BatchingConfig batching_config;
      absl::StatusOr<std::chrono::microseconds> delay =
          scheduler::BatchDelayFromSeconds(max_batch_time, "max_batch_time");
      if (!delay.ok()) return Annotate(delay.status(), source_);
      batching_config.max_queue_delay = *delay;
      config.batching = batching_config;
    }
    if (absl::Status s = ReadTensors(settings, "inputs", batching, config, config.inputs);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ReadTensors(settings, "outputs", batching, config, config.outputs);
        !s.ok()) {
      return s;
    }
    return config;
  }

 private:
  absl::Status Invalid(std::string_view field, std::string_view message) const {
    if (field.empty()) return absl::InvalidArgumentError(fmt::format("{}: {}", source_, message));
    return absl::InvalidArgumentError(fmt::format("{}: {}: {}", source_, field, message));
  }

  absl::Status ReadString(const json& object, const char* key, std::string_view field,
                          std::string& out) const {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_string()) return Invalid(field, "expected a string");
    out = it->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status ReadInt(const json& object, const char* key, int64_t& out) const {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_number_integer()) return Invalid(key, "expected a whole number");
    out = it->get<int64_t>();
    if (out < 0) return Invalid(key, fmt::format("must be >= 0, got {}", out));
    return absl::OkStatus();
  }

  absl::Status ReadSeconds(const json& object, const char* key, double& out) const {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_number()) return Invalid(key, "expected a number of seconds");
    out = it->get<double>();
    if (!(out >= 0) || !std::isfinite(out)) {
      return Invalid(key, fmt::format("must be a finite number >= 0, got {}", it->dump()));
    }
    // Past the longest batching delay even when batching is off: the value is a mistake.
    return Annotate(scheduler::BatchDelayFromSeconds(out, key).status(), source_);
  }

  absl::Status ReadParameters(const json& settings, ModelConfig& config) const {
    auto it = settings.find("parameters");
    if (it == settings.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_object()) return Invalid("parameters", "expected an object");
    const json& parameters = *it;
    if (absl::Status s = ReadString(parameters, "uri", "parameters.uri", config.model_file);
        !s.ok()) {
      return s;
    }
    // The model file must be inside the model's folder: "uri": "/etc/passwd" was opened.
    if (absl::Status s = CheckInsideModelFolder("parameters.uri", config.model_file); !s.ok()) {
      return Annotate(s, source_);
    }
    if (absl::Status s =
            ReadString(parameters, "version", "parameters.version", config.version_label);
        !s.ok()) {
      return s;
    }
    auto extra = parameters.find("extra");
    if (extra == parameters.end() || extra->is_null()) return absl::OkStatus();
    if (!extra->is_object()) return Invalid("parameters.extra", "expected an object");
    for (const auto& [key, value] : extra->items()) {
      config.parameters[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    return absl::OkStatus();
  }

  absl::Status ReadPlatform(const json& settings, ModelConfig& config) const {
    std::string implementation;
    if (absl::Status s = ReadString(settings, "implementation", "implementation", implementation);
        !s.ok()) {
      return s;
    }
    const bool onnx_file = EndsWith(config.model_file, ".onnx");
    if (implementation.empty() || implementation.starts_with("mlserver_onnx")) {
      if (onnx_file || !implementation.empty()) config.platform = kOnnxPlatform;
    } else {
      // The runtime registry resolves MLServer's names (mlserver_xgboost.XGBoostModel is an
      // alias the XGBoost runtime registers; mlserver_sklearn.SKLearnModel and any other
      // "<module>.<Class>" go to the python runtime when the build has it); an unknown one
      // is reported at load.
      config.platform = implementation;
    }
    return absl::OkStatus();
  }

  absl::Status ReadTensors(const json& settings, const char* key, bool strip_batch_dim,
                           const ModelConfig& config, std::vector<TensorConfig>& out) const {
    auto it = settings.find(key);
    if (it == settings.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_array()) return Invalid(key, "expected an array");
    std::set<std::string> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& entry = (*it)[i];
      const std::string field = fmt::format("{}[{}]", key, i);
      if (!entry.is_object()) return Invalid(field, "expected an object");
      TensorConfig tensor;
      if (absl::Status s = ReadString(entry, "name", field + ".name", tensor.name); !s.ok()) {
        return s;
      }
      if (tensor.name.empty()) return Invalid(field, "has no name");
      if (!seen.insert(tensor.name).second) {
        return Invalid(field, fmt::format("'{}' is declared twice", tensor.name));
      }
      std::string datatype;
      if (absl::Status s = ReadString(entry, "datatype", field + ".datatype", datatype); !s.ok()) {
        return s;
      }
      if (!datatype.empty()) {
        tensor.datatype = DataTypeFromName(datatype);
        if (tensor.datatype == DataType::kInvalid) {
          return Invalid(field + ".datatype", fmt::format("'{}' is not a datatype", datatype));
        }
      }
      if (absl::Status s = ReadShape(entry, field + ".shape", tensor.dims); !s.ok()) return s;
      if (strip_batch_dim && !tensor.dims.empty()) {
        if (tensor.dims.front() != -1) {
          return Invalid(field + ".shape",
                         fmt::format("the first dimension is the batch dimension when batching "
                                     "is on (max_batch_size {}) and must be -1, got {}",
                                     config.max_batch_size, tensor.dims.front()));
        }
        tensor.dims.erase(tensor.dims.begin());
      }
      out.push_back(std::move(tensor));
    }
    return absl::OkStatus();
  }

  absl::Status ReadShape(const json& entry, const std::string& field, Shape& out) const {
    auto it = entry.find("shape");
    if (it == entry.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_array()) return Invalid(field, "expected an array of whole numbers");
    for (size_t d = 0; d < it->size(); ++d) {
      const json& dim = (*it)[d];
      if (!dim.is_number_integer()) {
        return Invalid(field, fmt::format("dimension {} is {}, not a whole number", d, dim.dump()));
      }
      const int64_t value = dim.get<int64_t>();
      if (value < -1) {
        return Invalid(
            field,
            fmt::format("dimension {} is {}; a dimension is -1 (any size) or >= 0", d, value));
      }
      out.push_back(value);
    }
    return absl::OkStatus();
  }

  std::string_view source_;
};

}  // namespace

absl::StatusOr<ModelConfig> ParseModelSettings(std::string_view json_text,
                                               std::string_view source_path) {
  // Bounded before nlohmann sees it: parameters.extra values are dump()ed, recursively.
  if (absl::Status s = CheckNestingDepth(json_text, Syntax::kJson, source_path); !s.ok()) return s;
  // nlohmann reports syntax errors as exceptions; they stop here. Not only parse_error: a
  // number too large for a double ("1e999") is out_of_range (found by fuzz/, issue 17).
  json settings;
  try {
    settings = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& error) {
    return absl::InvalidArgumentError(
        fmt::format("{}: not valid JSON: {}", source_path, error.what()));
  }
  absl::StatusOr<ModelConfig> config = Converter(source_path).Convert(settings);
  if (config.ok()) config->mlserver_settings = std::string(json_text);
  return config;
}

}  // namespace tensord

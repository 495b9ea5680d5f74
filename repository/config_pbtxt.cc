#include "repository/config_pbtxt.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "model_config.pb.h"
#include "repository/nesting_depth.h"
#include "repository/path_containment.h"
#include "scheduler/duration.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

// Keeps the first error as "FILE:LINE:COL: message" (the parser stops there anyway) and
// logs warnings, which is how the parser reports the unknown fields it skips.
class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  ErrorCollector(std::string_view source, std::string_view text) : source_(source), text_(text) {}

  // Protobuf's messages ("Expected integer, got: \"lots\"") do not name the field, so the
  // offending line is quoted too: it shows the field the user wrote.
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_error_.empty()) {
      first_error_ = fmt::format("{}:{}:{}: {}", source_, line + 1, column + 1, message);
      std::string_view quoted = Line(line);
      if (!quoted.empty()) first_error_ += fmt::format(" (in `{}`)", quoted);
    }
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    spdlog::debug("{}:{}:{}: {} (skipped)", source_, line + 1, column + 1, message);
  }

  const std::string& first_error() const { return first_error_; }

 private:
  // Line `index` (0-based) of the text, trimmed; empty when out of range.
  std::string_view Line(int index) const {
    std::string_view rest = text_;
    for (int i = 0; i < index; ++i) {
      size_t end = rest.find('\n');
      if (end == std::string_view::npos) return {};
      rest.remove_prefix(end + 1);
    }
    rest = rest.substr(0, rest.find('\n'));
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r')) {
      rest.remove_suffix(1);
    }
    return rest.substr(0, 120);
  }

  std::string_view source_;
  std::string_view text_;
  std::string first_error_;
};

class Converter {
 public:
  explicit Converter(std::string_view source) : source_(source) {}

  absl::StatusOr<ModelConfig> Convert(const inference::ModelConfig& proto) {
    ModelConfig config;
    config.source = std::string(source_);
    config.name = proto.name();
    config.platform = proto.platform().empty() ? proto.backend() : proto.platform();
    if (proto.max_batch_size() < 0) {
      return Invalid(fmt::format("max_batch_size must be >= 0, got {}", proto.max_batch_size()));
    }
    config.max_batch_size = proto.max_batch_size();
    if (absl::Status s = CheckUnsupported(proto); !s.ok()) return s;
    if (absl::Status s = ConvertInputs(proto, config); !s.ok()) return s;
    if (absl::Status s = ConvertOutputs(proto, config); !s.ok()) return s;
    if (absl::Status s = ConvertInstanceGroups(proto, config); !s.ok()) return s;
    if (absl::Status s = ConvertEnsemble(proto, config); !s.ok()) return s;
    if (proto.has_dynamic_batching()) {
      absl::StatusOr<BatchingConfig> batching = ConvertBatching(proto);
      if (!batching.ok()) return batching.status();
      config.batching = *std::move(batching);
    }
    // Triton's optimization { graph { level } } is the ONNX Runtime graph optimization level
    // (Triton's numbering, which the ONNX runtime understands); an explicit parameter wins.
    if (proto.has_optimization() && proto.optimization().has_graph()) {
      config.parameters["graph_optimization_level"] =
          std::to_string(proto.optimization().graph().level());
    }
    for (const auto& [key, value] : proto.parameters()) {
      config.parameters[key] = value.string_value();
    }
    config.model_file = proto.default_model_filename();
    // A file name inside each version folder; "../../other/1/model.onnx" or an absolute path
    // would load a file from outside the model's folder.
    if (absl::Status s = CheckInsideModelFolder("default_model_filename", config.model_file);
        !s.ok()) {
      return Annotate(s, source_);
    }
    if (proto.has_version_policy()) {
      absl::StatusOr<VersionPolicy> policy = ConvertVersionPolicy(proto.version_policy());
      if (!policy.ok()) return policy.status();
      config.version_policy = *std::move(policy);
    }
    if (!proto.model_warmup().empty()) {
      spdlog::warn("{}: model_warmup is not supported; the model is not warmed up", source_);
    }
    // Everything the file said, for the configuration extension to return as given.
    config.triton_fields = proto.SerializeAsString();
    return config;
  }

 private:
  absl::Status Invalid(std::string_view message) const {
    return absl::InvalidArgumentError(fmt::format("{}: {}", source_, message));
  }
  absl::Status Unsupported(std::string_view message) const {
    return absl::UnimplementedError(fmt::format("{}: {}", source_, message));
  }

  // ensemble_scheduling: kept as written, for serving/ensemble/ to check against the step
  // models and run. Only an ensemble has steps and an ensemble has nothing but steps.
  absl::Status ConvertEnsemble(const inference::ModelConfig& proto, ModelConfig& config) const {
    const bool is_ensemble = config.platform == "ensemble";
    if (!proto.has_ensemble_scheduling()) {
      if (is_ensemble) {
        return Invalid("platform 'ensemble' needs ensemble_scheduling { step [...] }");
      }
      return absl::OkStatus();
    }
    if (!is_ensemble) {
      return Invalid(
          fmt::format("ensemble_scheduling is for platform 'ensemble', not '{}'", config.platform));
    }
    const auto& steps = proto.ensemble_scheduling().step();
    if (steps.empty()) return Invalid("ensemble_scheduling: no steps");
    for (int i = 0; i < steps.size(); ++i) {
      const inference::ModelEnsembling::Step& step = steps[i];
      if (step.model_name().empty()) {
        return Invalid(fmt::format("ensemble_scheduling: step {} has no model_name", i + 1));
      }
      if (step.model_version() < -1 || step.model_version() == 0) {
        return Invalid(fmt::format(
            "ensemble_scheduling: step {} ('{}'): model_version {} is not valid; -1 (the "
            "highest ready) or a version > 0",
            i + 1, step.model_name(), step.model_version()));
      }
      EnsembleStep converted{.model_name = step.model_name(),
                             .model_version = step.model_version()};
      converted.input_map.insert(step.input_map().begin(), step.input_map().end());
      converted.output_map.insert(step.output_map().begin(), step.output_map().end());
      config.ensemble_steps.push_back(std::move(converted));
    }
    return absl::OkStatus();
  }

  absl::Status CheckUnsupported(const inference::ModelConfig& proto) const {
    if (proto.has_sequence_batching()) {
      return Unsupported("sequence_batching: stateful (sequence) models are not supported");
    }
    if (proto.model_transaction_policy().decoupled()) {
      return Unsupported("model_transaction_policy: decoupled models are not supported");
    }
    if (!proto.batch_input().empty()) {
      return Unsupported("batch_input is not supported");
    }
    return absl::OkStatus();
  }

  // Dimensions are -1 (any size) or >= 0.
  absl::Status CheckDims(std::string_view role, const std::string& name,
                         const google::protobuf::RepeatedField<int64_t>& dims) const {
    for (int i = 0; i < dims.size(); ++i) {
      if (dims[i] < -1) {
        return Invalid(fmt::format("{} '{}': dims[{}] is {}; a dimension is -1 (any size) or >= 0",
                                   role, name, i, dims[i]));
      }
    }
    return absl::OkStatus();
  }

  // reshape { shape [...] }: the model's own shape of the tensor. Its dimensions follow the
  // rules of dims; when neither has a -1 both must hold the same number of elements
  // (Triton's check, an empty shape counting as one element). With -1s the sizes are
  // matched per request (runtime/reshape.h).
  absl::Status ConvertReshape(std::string_view role, const inference::ModelTensorReshape& reshape,
                              TensorConfig& tensor) const {
    const std::string what = fmt::format("{} '{}': reshape", role, tensor.name);
    Shape shape(reshape.shape().begin(), reshape.shape().end());
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] < -1) {
        return Invalid(fmt::format("{}: shape[{}] is {}; a dimension is -1 (any size) or >= 0",
                                   what, i, shape[i]));
      }
    }
    const auto known = [](const Shape& s) {
      return std::none_of(s.begin(), s.end(), [](int64_t d) { return d < 0; });
    };
    if (known(shape) && known(tensor.dims)) {
      absl::StatusOr<int64_t> reshaped = ElementCount(shape);
      absl::StatusOr<int64_t> declared = ElementCount(tensor.dims);
      if (!reshaped.ok() || !declared.ok()) {
        return Invalid(fmt::format("{}: shape {} or dims {} holds too many elements", what,
                                   ShapeToString(shape), ShapeToString(tensor.dims)));
      }
      if (*reshaped != *declared) {
        return Invalid(fmt::format(
            "{}: shape {} holds {} elements but dims {} hold {}; a reshape keeps the data",
            what, ShapeToString(shape), *reshaped, ShapeToString(tensor.dims), *declared));
      }
    }
    tensor.reshape = std::move(shape);
    return absl::OkStatus();
  }

  absl::StatusOr<TensorConfig> ConvertTensor(std::string_view role, int index,
                                             const std::string& name, inference::DataType type,
                                             const google::protobuf::RepeatedField<int64_t>& dims,
                                             std::set<std::string>& seen) const {
    if (name.empty()) return Invalid(fmt::format("{} {} has no name", role, index + 1));
    if (!seen.insert(name).second) {
      return Invalid(fmt::format("{} '{}' is declared twice", role, name));
    }
    if (absl::Status s = CheckDims(role, name, dims); !s.ok()) return s;
    TensorConfig tensor;
    tensor.name = name;
    tensor.dims.assign(dims.begin(), dims.end());
    // The proto's enum names are Triton's config names, which core/datatype.h knows.
    // TYPE_INVALID (absent) stays kInvalid, for the runtime to complete.
    tensor.datatype = DataTypeFromConfigName(inference::DataType_Name(type));
    if (type != inference::TYPE_INVALID && tensor.datatype == DataType::kInvalid) {
      return Invalid(fmt::format("{} '{}': data_type {} is not a known type", role, name,
                                 inference::DataType_Name(type)));
    }
    return tensor;
  }

  absl::Status ConvertInputs(const inference::ModelConfig& proto, ModelConfig& config) const {
    std::set<std::string> seen;
    for (int i = 0; i < proto.input_size(); ++i) {
      const inference::ModelInput& input = proto.input(i);
      absl::StatusOr<TensorConfig> tensor =
          ConvertTensor("input", i, input.name(), input.data_type(), input.dims(), seen);
      if (!tensor.ok()) return tensor.status();
      tensor->optional = input.optional();
      // Triton's rule: an image format names three dimensions (CHW or HWC), batch excluded.
      if ((input.format() == inference::ModelInput::FORMAT_NCHW ||
           input.format() == inference::ModelInput::FORMAT_NHWC) &&
          input.dims_size() != 3) {
        return Invalid(fmt::format("input '{}': format {} requires 3 dims, got {}", input.name(),
                                   inference::ModelInput::Format_Name(input.format()),
                                   ShapeToString(tensor->dims)));
      }
      if (input.has_reshape()) {
        absl::Status s = ConvertReshape("input", input.reshape(), *tensor);
        if (!s.ok()) return s;
      }
      config.inputs.push_back(*std::move(tensor));
    }
    return absl::OkStatus();
  }

  absl::Status ConvertOutputs(const inference::ModelConfig& proto, ModelConfig& config) const {
    std::set<std::string> seen;
    for (int i = 0; i < proto.output_size(); ++i) {
      const inference::ModelOutput& output = proto.output(i);
      absl::StatusOr<TensorConfig> tensor =
          ConvertTensor("output", i, output.name(), output.data_type(), output.dims(), seen);
      if (!tensor.ok()) return tensor.status();
      if (!output.label_filename().empty()) {
        if (absl::Status inside = CheckInsideModelFolder(
                fmt::format("output '{}': label_filename", output.name()), output.label_filename());
            !inside.ok()) {
          return Invalid(Message(inside));
        }
        tensor->label_filename = output.label_filename();
      }
      if (output.has_reshape()) {
        absl::Status s = ConvertReshape("output", output.reshape(), *tensor);
        if (!s.ok()) return s;
      }
      config.outputs.push_back(*std::move(tensor));
    }
    return absl::OkStatus();
  }

  absl::Status ConvertInstanceGroups(const inference::ModelConfig& proto,
                                     ModelConfig& config) const {
    // int64: two groups of INT_MAX each must not wrap (they once made one instance). The
    // server's --max-instances-per-model is checked at load; this only keeps the int.
    int64_t total = 0;
    for (int i = 0; i < proto.instance_group_size(); ++i) {
      const inference::ModelInstanceGroup& group = proto.instance_group(i);
      if (group.count() < 0) {
        return Invalid(
            fmt::format("instance_group {}: count must be >= 0, got {}", i + 1, group.count()));
      }
      if (group.passive()) continue;  // Triton schedules no requests on passive instances
      const int count = group.count() == 0 ? 1 : group.count();
      if (group.kind() == inference::ModelInstanceGroup::KIND_GPU) {
        spdlog::warn("{}: instance_group {}: tensord has no GPU instances; running {} on the CPU",
                     source_, i + 1, count);
      }
      total += count;
    }
    if (total > std::numeric_limits<int>::max()) {
      return Invalid(
          fmt::format("instance_group counts add up to {}, more instances than a model "
                      "can run (at most {})",
                      total, std::numeric_limits<int>::max()));
    }
    config.instance_count = static_cast<int>(total);
    return absl::OkStatus();
  }

  absl::StatusOr<BatchingConfig> ConvertBatching(const inference::ModelConfig& proto) const {
    const inference::ModelDynamicBatching& dynamic = proto.dynamic_batching();
    BatchingConfig batching;
    for (int32_t size : dynamic.preferred_batch_size()) {
      if (size <= 0) {
        return Invalid(fmt::format("dynamic_batching: preferred_batch_size {} must be > 0", size));
      }
      if (proto.max_batch_size() > 0 && size > proto.max_batch_size()) {
        return Invalid(
            fmt::format("dynamic_batching: preferred_batch_size {} exceeds max_batch_size {}", size,
                        proto.max_batch_size()));
      }
      batching.preferred_batch_sizes.push_back(size);
    }
    // uint64 fields: a delay past the limit is refused, a timeout saturates (a huge one is no
    // timeout); neither may wrap to a negative duration.
    absl::StatusOr<std::chrono::microseconds> delay = scheduler::BatchDelayFromMicroseconds(
        dynamic.max_queue_delay_microseconds(), "dynamic_batching: max_queue_delay_microseconds");
    if (!delay.ok()) return Annotate(delay.status(), source_);
    batching.max_queue_delay = *delay;
    batching.preserve_ordering = dynamic.preserve_ordering();
    const inference::ModelQueuePolicy& queue = dynamic.default_queue_policy();
    batching.max_queue_size = queue.max_queue_size();
    batching.default_timeout =
        scheduler::SaturatingMicroseconds(queue.default_timeout_microseconds());
    if (queue.timeout_action() == inference::ModelQueuePolicy::DELAY) {
      spdlog::warn(
          "{}: dynamic_batching: timeout_action DELAY is not supported; timed-out "
          "requests are rejected",
          source_);
    }
    if (dynamic.priority_levels() > 1 || !dynamic.priority_queue_policy().empty()) {
      spdlog::warn("{}: dynamic_batching: priority levels are not supported; one queue is used",
                   source_);
    }
    return batching;
  }

  absl::StatusOr<VersionPolicy> ConvertVersionPolicy(
      const inference::ModelVersionPolicy& proto) const {
    VersionPolicy policy;
    switch (proto.policy_choice_case()) {
      case inference::ModelVersionPolicy::kLatest:
        policy.kind = VersionPolicy::Kind::kLatest;
        // Triton: num_versions defaults to 1.
        policy.num_versions =
            proto.latest().num_versions() == 0 ? 1 : proto.latest().num_versions();
        break;
      case inference::ModelVersionPolicy::kSpecific:
        policy.kind = VersionPolicy::Kind::kSpecific;
        if (proto.specific().versions().empty()) {
          return Invalid("version_policy: specific lists no versions");
        }
        for (int64_t version : proto.specific().versions()) {
          if (version <= 0) {
            return Invalid(fmt::format(
                "version_policy: specific version {} is not valid; versions are numbers > 0",
                version));
          }
          policy.specific.push_back(std::to_string(version));
        }
        break;
      case inference::ModelVersionPolicy::kAll:
      case inference::ModelVersionPolicy::POLICY_CHOICE_NOT_SET:
        policy.kind = VersionPolicy::Kind::kAll;
        break;
    }
    return policy;
  }

  std::string_view source_;
};

}  // namespace

absl::StatusOr<ModelConfig> ParseTritonConfig(std::string_view text, std::string_view source_path) {
  // Protobuf 3.21's text parser recurses without a limit (unknown fields included, which it
  // skips here): 100,000 nested braces crashed it.
  if (absl::Status s = CheckNestingDepth(text, Syntax::kProtoText, source_path); !s.ok()) {
    return s;
  }
  inference::ModelConfig proto;
  ErrorCollector errors(source_path, text);
  google::protobuf::TextFormat::Parser parser;
  parser.AllowUnknownField(true);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &proto)) {
    return absl::InvalidArgumentError(
        errors.first_error().empty()
            ? fmt::format("{}: not a valid model configuration", source_path)
            : errors.first_error());
  }
  return Converter(source_path).Convert(proto);
}

namespace {

absl::StatusOr<inference::ModelConfig> ConfigFromJson(std::string_view json,
                                                      std::string_view source) {
  if (absl::Status s = CheckNestingDepth(json, Syntax::kJson, source); !s.ok()) return s;
  inference::ModelConfig proto;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &proto, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(fmt::format("{}: {}", source, std::string(status.message())));
  }
  return proto;
}

}  // namespace

absl::StatusOr<ModelConfig> ParseTritonConfigJson(std::string_view json, std::string_view source) {
  absl::StatusOr<inference::ModelConfig> proto = ConfigFromJson(json, source);
  if (!proto.ok()) return proto.status();
  return Converter(source).Convert(*proto);
}

absl::StatusOr<std::string> TritonConfigJsonToText(std::string_view json, std::string_view name,
                                                   std::string_view source) {
  absl::StatusOr<inference::ModelConfig> proto = ConfigFromJson(json, source);
  if (!proto.ok()) return proto.status();
  if (proto->name().empty()) proto->set_name(std::string(name));
  if (proto->name() != name) {
    return absl::InvalidArgumentError(
        fmt::format("{}: name '{}' does not match the model being loaded, '{}'", source,
                    proto->name(), name));
  }
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(*proto, &text)) {
    return absl::InternalError(fmt::format("{}: cannot write it as config.pbtxt", source));
  }
  return text;
}

}  // namespace tensord

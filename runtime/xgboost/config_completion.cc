#include "runtime/xgboost/config_completion.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <string>

#include "fmt/format.h"
#include "runtime/xgboost/input_matrix.h"

namespace tensord::runtime::xgboost {
namespace {

struct Context {
  const ModelConfig& config;
  const BoosterTraits& traits;
  std::string source;  // "config.pbtxt (models/m/config.pbtxt)" or "the model config"
  std::string file;    // "models/m/model.json"

  absl::Status Invalid(std::string_view message) const {
    return absl::InvalidArgumentError(fmt::format("{}: {}", source, message));
  }
};

std::string SourceLabel(const std::string& source) {
  if (source.empty()) return "the model config";
  return fmt::format("{} ({})", std::filesystem::path(source).filename().string(), source);
}

bool ParameterIsTrue(const ModelConfig& config, const std::string& key) {
  auto it = config.parameters.find(key);
  if (it == config.parameters.end()) return false;
  std::string value = it->second;
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return value == "true" || value == "1";
}

// Config dims for a [rows, columns] tensor: without the batch dimension when batching.
Shape Dims(const ModelConfig& config, int64_t columns) {
  if (config.max_batch_size > 0) return {columns};
  return {-1, columns};
}

// Whether the dims a config gives fit [rows, columns] (-1 in the config matches anything).
bool DimsFit(const ModelConfig& config, const TensorConfig& tensor, int64_t columns) {
  const Shape full = FullShape(config, tensor);
  return full.size() == 2 && (full[1] == -1 || full[1] == columns);
}

absl::Status CompleteInput(const Context& ctx, ModelConfig& out) {
  if (out.inputs.size() > 1) {
    return ctx.Invalid(
        fmt::format("declares {} inputs, but an XGBoost model takes one [rows, features] tensor",
                    out.inputs.size()));
  }
  if (out.inputs.empty()) out.inputs.push_back({.name = kDefaultInputName});
  TensorConfig& input = out.inputs.front();
  if (input.name.empty()) input.name = kDefaultInputName;
  const std::span<const DataType> accepted = AcceptedInputDatatypes();
  if (input.datatype == DataType::kInvalid) input.datatype = DataType::kFp32;
  if (std::find(accepted.begin(), accepted.end(), input.datatype) == accepted.end()) {
    return ctx.Invalid(fmt::format(
        "input '{}' is declared {}, but XGBoost models take numbers (FP32, FP64, integers)",
        input.name, DataTypeName(input.datatype)));
  }
  const int64_t features = ctx.traits.num_features;
  if (input.dims.empty()) {
    input.dims = Dims(out, features);
  } else if (!DimsFit(out, input, features)) {
    return ctx.Invalid(fmt::format(
        "input '{}' has dims {}{}, but XGBoost model '{}' takes [rows, {}] ({} features)",
        input.name, ShapeToString(input.dims),
        out.max_batch_size > 0 ? " (without the batch dimension)" : "", ctx.file, features,
        features));
  } else {
    input.dims.back() = features;
  }
  input.accept_any_name = true;
  input.accepted_datatypes.clear();
  for (DataType type : accepted) {
    if (type != input.datatype) input.accepted_datatypes.push_back(type);
  }
  return absl::OkStatus();
}

bool ServesClasses(const BoosterTraits& traits) {
  return traits.classifier() || traits.classification_objective();
}

absl::StatusOr<OutputPlan> PlanOutput(const Context& ctx, const TensorConfig& output) {
  const BoosterTraits& traits = ctx.traits;
  OutputPlan plan{.name = output.name};
  if (output.name == kPredictOutput) {
    plan.kind = traits.classifier() ? OutputKind::kLabel : OutputKind::kValue;
  } else if (output.name == kPredictProbaOutput) {
    plan.kind = OutputKind::kProbability;
  } else if (ParameterIsTrue(ctx.config, "predict_proba")) {  // Triton FIL
    plan.kind = OutputKind::kProbability;
  } else if (ParameterIsTrue(ctx.config, "output_class")) {
    plan.kind = OutputKind::kLabel;
  }
  if (plan.kind != OutputKind::kValue && !ServesClasses(traits)) {
    return ctx.Invalid(fmt::format(
        "output '{}' asks for class {}, but XGBoost model '{}' is not a classifier (objective "
        "'{}')",
        output.name, plan.kind == OutputKind::kLabel ? "labels" : "probabilities", ctx.file,
        traits.objective));
  }
  if (auto it = ctx.config.parameters.find("threshold"); it != ctx.config.parameters.end()) {
    const std::string& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), plan.threshold);
    if (error != std::errc() || end != text.data() + text.size()) {
      return ctx.Invalid(fmt::format("parameter threshold '{}' is not a number", text));
    }
  }
  plan.columns = OutputColumns(plan.kind, traits);
  plan.datatype = NaturalDatatype(plan.kind, traits);
  if (output.datatype != DataType::kInvalid) {
    const bool integer = output.datatype == DataType::kInt32 || output.datatype == DataType::kInt64;
    if (!IsOutputDatatype(output.datatype) || (integer && plan.kind != OutputKind::kLabel)) {
      return ctx.Invalid(fmt::format(
          "output '{}' is declared {}, which XGBoost model '{}' cannot produce for it (FP32, "
          "FP64{})",
          output.name, DataTypeName(output.datatype), ctx.file,
          plan.kind == OutputKind::kLabel ? ", INT32, INT64" : ""));
    }
    plan.datatype = output.datatype;
  }
  if (!output.dims.empty() && !DimsFit(ctx.config, output, plan.columns)) {
    return ctx.Invalid(
        fmt::format("output '{}' has dims {}{}, but XGBoost model '{}' gives [rows, {}]",
                    output.name, ShapeToString(output.dims),
                    ctx.config.max_batch_size > 0 ? " (without the batch dimension)" : "", ctx.file,
                    plan.columns));
  }
  return plan;
}

}  // namespace

absl::StatusOr<CompletedConfig> CompleteConfig(const ModelConfig& config,
                                               const BoosterTraits& traits,
                                               std::string_view model_file) {
  const Context ctx{.config = config,
                    .traits = traits,
                    .source = SourceLabel(config.source),
                    .file = std::string(model_file)};
  CompletedConfig done{.config = config};
  ModelConfig& out = done.config;
  if (absl::Status s = CompleteInput(ctx, out); !s.ok()) return s;
  if (out.outputs.empty()) {
    out.outputs.push_back({.name = kPredictOutput});
    if (traits.classifier()) out.outputs.push_back({.name = kPredictProbaOutput, .optional = true});
  }
  for (TensorConfig& output : out.outputs) {
    absl::StatusOr<OutputPlan> plan = PlanOutput(ctx, output);
    if (!plan.ok()) return plan.status();
    output.datatype = plan->datatype;
    output.dims = Dims(out, plan->columns);
    done.outputs.push_back(*std::move(plan));
  }
  return done;
}

}  // namespace tensord::runtime::xgboost

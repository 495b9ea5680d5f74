#include "runtime/xgboost/xgboost_instance.h"

#include <algorithm>
#include <memory>

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/xgboost/input_matrix.h"

namespace tensord::runtime::xgboost {

absl::StatusOr<InstancePtr> XgboostInstance::Create(Booster booster, const BoosterTraits& traits,
                                                    std::vector<OutputPlan> plans,
                                                    const InstanceOptions& options,
                                                    std::string_view context) {
  const int threads = std::max(1, options.intra_op_threads);
  if (absl::Status s = booster.SetParam("nthread", std::to_string(threads)); !s.ok()) return s;
  return InstancePtr(
      new XgboostInstance(std::move(booster), traits, std::move(plans), std::string(context)));
}

XgboostInstance::XgboostInstance(Booster booster, const BoosterTraits& traits,
                                 std::vector<OutputPlan> plans, std::string context)
    : booster_(std::move(booster)),
      traits_(traits),
      plans_(std::move(plans)),
      context_(std::move(context)),
      value_config_(PredictionConfig(traits, /*margin=*/false)),
      margin_config_(PredictionConfig(traits, /*margin=*/true)) {}

absl::Status XgboostInstance::CheckInput(const Tensor& input) const {
  if (input.datatype == DataType::kBytes) {
    return absl::InvalidArgumentError(fmt::format(
        "input '{}' is BYTES (strings); {} takes numbers: send FP32, FP64 or an integer type",
        input.name, context_));
  }
  if (input.shape.size() != 2) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}' has shape {}, but {} takes a 2-D [rows, features] tensor",
                    input.name, ShapeToString(input.shape), context_));
  }
  if (input.shape[1] != traits_.num_features) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}' has {} features (shape {}), but {} expects {}", input.name,
                    input.shape[1], ShapeToString(input.shape), context_, traits_.num_features));
  }
  return CheckTensorData(input, "input");
}

absl::Status XgboostInstance::Predict(const float* rows, int64_t count, bool margin,
                                      std::vector<float>& out) {
  absl::StatusOr<DensePrediction> prediction = booster_.PredictDense(
      rows, count, traits_.num_features, margin ? margin_config_ : value_config_);
  if (!prediction.ok()) return Annotate(prediction.status(), context_);
  const int64_t columns = margin ? traits_.margin_columns : traits_.value_columns;
  if (static_cast<int64_t>(prediction->values.size()) != count * columns) {
    return absl::InternalError(
        fmt::format("{}: XGBoost returned {} values for {} rows of {} columns", context_,
                    prediction->values.size(), count, columns));
  }
  out.assign(prediction->values.begin(), prediction->values.end());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> XgboostInstance::Execute(
    std::span<const Tensor> inputs, std::span<const std::string> output_names) {
  if (inputs.size() != 1) {
    return absl::InvalidArgumentError(fmt::format(
        "{} takes one input [rows, features], but the request has {}", context_, inputs.size()));
  }
  const Tensor& input = inputs.front();
  if (absl::Status s = CheckInput(input); !s.ok()) return s;

  std::vector<const OutputPlan*> selected;
  bool need_values = false;
  bool need_margins = false;
  for (const std::string& name : output_names) {
    auto plan = std::find_if(plans_.begin(), plans_.end(),
                             [&](const OutputPlan& p) { return p.name == name; });
    if (plan == plans_.end()) {
      return absl::InvalidArgumentError(fmt::format("{} has no output '{}'", context_, name));
    }
    selected.push_back(&*plan);
    (NeedsMargins(plan->kind, traits_) ? need_margins : need_values) = true;
  }

  const int64_t rows = input.shape[0];
  values_.clear();
  margins_.clear();
  if (rows > 0 && (need_values || need_margins)) {
    absl::StatusOr<const float*> matrix = DenseFloatRows(input, scratch_);
    if (!matrix.ok()) return matrix.status();
    if (need_values) {
      if (absl::Status s = Predict(*matrix, rows, /*margin=*/false, values_); !s.ok()) return s;
    }
    if (need_margins) {
      if (absl::Status s = Predict(*matrix, rows, /*margin=*/true, margins_); !s.ok()) return s;
    }
  }
  const RawPredictions raw{.rows = rows, .values = values_, .margins = margins_};
  std::vector<Tensor> outputs;
  outputs.reserve(selected.size());
  for (const OutputPlan* plan : selected) {
    absl::StatusOr<Tensor> output = MakeOutput(*plan, traits_, raw);
    if (!output.ok()) return output.status();
    outputs.push_back(*std::move(output));
  }
  return outputs;
}

}  // namespace tensord::runtime::xgboost

// Completes a model's configuration from the XGBoost model file, the way MLServer serves it.
//
//   absl::StatusOr<CompletedConfig> done = CompleteConfig(config, traits, "models/m/model.json");
//   done->config;    // inputs and outputs filled in and checked
//   done->outputs;   // how each output is computed, in config order
//
// Input: exactly one, [rows, num_features]. Its name is the config's, else "input-0" (the
// name MLServer's examples use); a request may send it under any name and as FP32, FP64,
// FP16, BOOL or any integer type (TensorConfig.accept_any_name / accepted_datatypes), as
// MLServer's NumPy decoding does. Metadata reports FP32.
//
// Outputs, when the config lists none (MLServer's model-settings.json usually does not):
//   predict        class labels for classifiers (INT64; INT32 for multi:softmax), the
//                  prediction for regressors (FP32): [rows, 1] or [rows, columns];
//   predict_proba  classifiers only, FP32 [rows, classes]; optional: returned only when a
//                  request asks for it, as MLServer returns `predict` alone by default.
// Outputs a config lists: "predict" and "predict_proba" as above; any other name (Triton FIL's
// "output__0") follows FIL's parameters: predict_proba "true" gives probabilities,
// output_class "true" class labels (threshold parameter, default 0.5), otherwise the raw
// prediction. A listed datatype is honoured (FP32/FP64, or INT32/INT64 for labels); listed
// dims must agree with the model.
//
// Batching: max_batch_size stays what the config says. When it is 0, shapes are full
// ([-1, features], [-1, columns]) and requests are never merged; when the config turns
// batching on, rows are the batch dimension and dims drop it, as for any batched model.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "runtime/xgboost/booster_traits.h"
#include "runtime/xgboost/output_plan.h"

namespace tensord::runtime::xgboost {

inline constexpr char kDefaultInputName[] = "input-0";
inline constexpr char kPredictOutput[] = "predict";
inline constexpr char kPredictProbaOutput[] = "predict_proba";

struct CompletedConfig {
  ModelConfig config;
  std::vector<OutputPlan> outputs;  // one per config output, same order
};

// InvalidArgument naming the config file (or "the model config") and the model file when
// they disagree.
absl::StatusOr<CompletedConfig> CompleteConfig(const ModelConfig& config,
                                               const BoosterTraits& traits,
                                               std::string_view model_file);

}  // namespace tensord::runtime::xgboost

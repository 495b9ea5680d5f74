// How each output of an XGBoost model is made from XGBoost's raw predictions, and the
// post-processing itself (pure functions: no XGBoost calls, unit-tested on their own).
//
//   OutputPlan plan{.name = "predict_proba", .kind = OutputKind::kProbability,
//                   .datatype = DataType::kFp32, .columns = 2};
//   absl::StatusOr<Tensor> t = MakeOutput(plan, traits, {.rows = 3, .values = values});
//
// The three kinds follow xgboost 1.7's scikit-learn wrapper, which MLServer calls:
//   kValue        Booster prediction as is (XGBRegressor.predict; Triton FIL's default);
//   kLabel        class labels (XGBClassifier.predict): argmax for multi-class, p > 0.5 for
//                 binary, the predicted class for multi:softmax, 0/1 per label for
//                 multi-label models;
//   kProbability  class probabilities (XGBClassifier.predict_proba): [1-p, p] for binary,
//                 softmax of the margins for multi:softmax, the prediction otherwise.
// Outputs are 2-D [rows, columns], as MLServer's NumpyCodec gives [rows] results a column.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "runtime/xgboost/booster_traits.h"

namespace tensord::runtime::xgboost {

enum class OutputKind { kValue, kLabel, kProbability };

struct OutputPlan {
  std::string name;
  OutputKind kind = OutputKind::kValue;
  // What the response carries; values are converted from the kind's natural type
  // (NaturalDatatype) when a config asks for another (Triton FIL declares FP32 labels).
  DataType datatype = DataType::kFp32;
  int64_t columns = 1;
  float threshold = 0.5f;  // kLabel of a one-column model: class 1 when p > threshold
};

// The datatype xgboost's scikit-learn wrapper returns for `kind` (FP32, INT64, INT32, FP64).
DataType NaturalDatatype(OutputKind kind, const BoosterTraits& traits);
// Columns of `kind`'s output.
int64_t OutputColumns(OutputKind kind, const BoosterTraits& traits);
// True when `kind` is computed from margins (multi:softmax probabilities) rather than values.
bool NeedsMargins(OutputKind kind, const BoosterTraits& traits);
// Datatypes MakeOutput can convert to.
bool IsOutputDatatype(DataType type);

struct RawPredictions {
  int64_t rows = 0;
  std::span<const float> values;   // rows * traits.value_columns, row-major
  std::span<const float> margins;  // rows * traits.margin_columns; only when NeedsMargins
};

// The output tensor [rows, plan.columns] of `plan.datatype`.
absl::StatusOr<Tensor> MakeOutput(const OutputPlan& plan, const BoosterTraits& traits,
                                  const RawPredictions& raw);

}  // namespace tensord::runtime::xgboost

// What a loaded XGBoost model says about itself, read once at load time: the facts that
// decide its inputs, its outputs and how its predictions are post-processed.
//
//   absl::StatusOr<BoosterTraits> traits = ReadBoosterTraits(booster, "models/m/model.json");
//   traits->num_features;   // 32
//   traits->classifier();   // true when saved by XGBClassifier (MLServer's test)
//
// MLServer decides classifier or regressor the way xgboost's scikit-learn wrapper does: by
// the "scikit_learn" metadata the wrapper stores in the booster. A model saved by the native
// Booster API has none and is served as a regressor (`predict` gives the raw prediction),
// whatever its objective; tensord does the same so that responses match.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "runtime/xgboost/booster.h"

namespace tensord::runtime::xgboost {

struct BoosterTraits {
  int64_t num_features = 0;
  std::string objective;       // "binary:logistic", "multi:softprob", "reg:squarederror", ...
  std::string estimator_type;  // scikit-learn metadata: "classifier", "regressor"; "" when none
  // Classes for classifiers: the metadata's n_classes_, else the booster's num_class (2 for
  // binary objectives); 0 for regressors.
  int64_t num_classes = 0;
  float missing = std::numeric_limits<float>::quiet_NaN();  // the metadata's `missing`
  // Rounds used by prediction: best_iteration + 1 for early-stopped models, 0 for all.
  int64_t iteration_end = 0;
  // Columns XGBoost returns for value and margin predictions (1 when it returns [rows]).
  int64_t value_columns = 1;
  int64_t margin_columns = 1;

  bool classifier() const { return estimator_type == "classifier"; }
  // Whether the objective predicts classes, for configs (Triton FIL) that ask for classes
  // or probabilities of a model without scikit-learn metadata.
  bool classification_objective() const;
};

// Reads the traits; `path` is for messages. Makes two one-row predictions to learn the
// output widths, so `booster` must not be in use by another thread.
absl::StatusOr<BoosterTraits> ReadBoosterTraits(Booster& booster, std::string_view path);

// XGBoost's prediction configuration for `traits` ("type" 0 = values, 1 = margins).
std::string PredictionConfig(const BoosterTraits& traits, bool margin);

}  // namespace tensord::runtime::xgboost

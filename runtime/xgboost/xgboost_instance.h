// One XGBoost Booster serving one model instance (runtime.h's Instance).
//
//   absl::StatusOr<InstancePtr> instance = XgboostInstance::Create(std::move(booster), traits,
//                                                                   plans, {.intra_op_threads = 2},
//                                                                   "model 'iris'");
//   absl::StatusOr<std::vector<Tensor>> out = (*instance)->Execute(inputs, {"predict"});
//
// Each instance owns its Booster (XGBoost's prediction buffers belong to the Booster) and
// predicts with `intra_op_threads` OpenMP threads, so instances x threads stays within the
// cores the repository planned for.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/runtime.h"
#include "runtime/xgboost/booster.h"
#include "runtime/xgboost/booster_traits.h"
#include "runtime/xgboost/output_plan.h"

namespace tensord::runtime::xgboost {

class XgboostInstance final : public Instance {
 public:
  // `context` prefixes error messages ("model 'iris'").
  static absl::StatusOr<InstancePtr> Create(Booster booster, const BoosterTraits& traits,
                                            std::vector<OutputPlan> plans,
                                            const InstanceOptions& options,
                                            std::string_view context);

  // One input [rows, features] of any accepted datatype; NaN is a missing value. Bad inputs
  // are InvalidArgument naming the input (Execute re-checks what request validation checked:
  // it is cheap and keeps direct callers honest).
  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override;

 private:
  XgboostInstance(Booster booster, const BoosterTraits& traits, std::vector<OutputPlan> plans,
                  std::string context);

  absl::Status CheckInput(const Tensor& input) const;
  // Predicts values or margins for `rows` and copies them into `out` (the Booster reuses
  // its buffer on the next call).
  absl::Status Predict(const float* rows, int64_t count, bool margin, std::vector<float>& out);

  Booster booster_;
  const BoosterTraits traits_;
  const std::vector<OutputPlan> plans_;
  const std::string context_;
  const std::string value_config_;
  const std::string margin_config_;
  std::vector<float> scratch_;  // converted input rows
  std::vector<float> values_;
  std::vector<float> margins_;
};

}  // namespace tensord::runtime::xgboost

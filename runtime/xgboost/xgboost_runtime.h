// The XGBoost backend, a drop-in for MLServer's mlserver_xgboost.XGBoostModel. This folder is
// the only place that includes XGBoost's headers.
//
//   RuntimeRegistry registry;
//   absl::Status s = xgboost::RegisterXgboostRuntime(registry);
//   // platform "xgboost"; aliases "mlserver_xgboost.XGBoostModel" and Triton's "fil";
//   // file extensions ".ubj" and ".bst" (not ".json": model-settings.json is JSON too, so a
//   // .json model is found through the config: parameters.uri, implementation or backend)
//
// Model files: model.json, model.ubj and legacy binary model.bst, read by extension as
// MLServer does (see model_file.h for how a file is found, config_completion.h for the
// inputs and outputs a model gets).
#pragma once

#include "absl/status/status.h"
#include "runtime/runtime.h"

namespace tensord::runtime::xgboost {

inline constexpr char kPlatform[] = "xgboost";

absl::Status RegisterXgboostRuntime(RuntimeRegistry& registry);

}  // namespace tensord::runtime::xgboost

// Which file an XGBoost model loads, when the path the repository hands over is not it.
//
//   absl::StatusOr<std::filesystem::path> file = ResolveModelFile("models/m/1/model.json", config);
//
//   - a file: itself;
//   - a folder (MLServer's parameters.uri may name the model folder): the first of
//     MLServer's well-known names inside it that exists, model.bst, model.json, model.ubj;
//   - tensord's default name (model.json) that does not exist: in the same folder, Triton
//     FIL's file for the config's model_type parameter (xgboost: xgboost.model, xgboost_json:
//     xgboost.json, xgboost_ubj: xgboost.ubj), then MLServer's well-known names.
// NotFound lists what was tried. A FIL model_type that is not XGBoost (lightgbm,
// treelite_checkpoint) is Unimplemented.
#pragma once

#include <filesystem>

#include "absl/status/statusor.h"
#include "core/model_config.h"

namespace tensord::runtime::xgboost {

inline constexpr char kDefaultModelFilename[] = "model.json";

absl::StatusOr<std::filesystem::path> ResolveModelFile(const std::filesystem::path& path,
                                                       const ModelConfig& config);

}  // namespace tensord::runtime::xgboost

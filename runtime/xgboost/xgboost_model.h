// A loaded XGBoost model version (runtime.h's Model).
//
//   absl::StatusOr<ModelPtr> model = XgboostModel::Load(config, "models/iris/model.json");
//   (*model)->config();                                     // completed: input, outputs
//   absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({.intra_op_threads = 1});
//
// The model keeps the Booster serialized; every instance deserializes its own copy, so the
// file is read once and instances never share XGBoost state.
#pragma once

#include <filesystem>
#include <string>

#include "runtime/runtime.h"
#include "runtime/xgboost/booster_traits.h"
#include "runtime/xgboost/config_completion.h"

namespace tensord::runtime::xgboost {

class XgboostModel final : public Model {
 public:
  // Resolves the file (model_file.h), loads it, reads its traits and completes `config`.
  // A corrupt file is InvalidArgument with XGBoost's reason and the path; a missing one
  // NotFound.
  static absl::StatusOr<ModelPtr> Load(const ModelConfig& config,
                                       const std::filesystem::path& model_path);

  const ModelConfig& config() const override { return completed_.config; }
  const BoosterTraits& traits() const { return traits_; }
  absl::StatusOr<InstancePtr> CreateInstance(const InstanceOptions& options) override;

 private:
  XgboostModel(CompletedConfig completed, BoosterTraits traits, std::string serialized);

  const CompletedConfig completed_;
  const BoosterTraits traits_;
  const std::string serialized_;  // Booster::Serialize() of the loaded file
  const std::string context_;     // "model 'iris'"
};

}  // namespace tensord::runtime::xgboost

#include "runtime/xgboost/xgboost_model.h"

#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/xgboost/booster.h"
#include "runtime/xgboost/model_file.h"
#include "runtime/xgboost/model_format_check.h"
#include "runtime/xgboost/model_integrity.h"
#include "runtime/xgboost/xgboost_instance.h"

namespace tensord::runtime::xgboost {

namespace {

// Whatever goes wrong once XGBoost has read the file is the file's fault.
absl::Status LoadError(const absl::Status& status, const std::filesystem::path& file) {
  const std::string_view message = Message(status);
  if (message.starts_with("cannot load XGBoost model") ||
      status.code() == absl::StatusCode::kResourceExhausted) {
    return status;
  }
  return absl::InvalidArgumentError(
      fmt::format("cannot load XGBoost model '{}': {}", file.string(), message));
}

}  // namespace

absl::StatusOr<ModelPtr> XgboostModel::Load(const ModelConfig& config,
                                            const std::filesystem::path& model_path) {
  absl::StatusOr<std::filesystem::path> file = ResolveModelFile(model_path, config);
  if (!file.ok()) return file.status();
  // XGBoost crashes on some corrupt files instead of failing; refuse those first.
  absl::StatusOr<ModelFormat> format = CheckModelFile(*file);
  if (!format.ok()) return format.status();
  absl::StatusOr<Booster> booster = Booster::LoadFile(*file);
  if (!booster.ok()) return booster.status();
  if (*format == ModelFormat::kBinary) {
    if (absl::Status s = CheckModelIntegrity(*booster, file->string()); !s.ok()) {
      return LoadError(s, *file);
    }
  }
  absl::StatusOr<BoosterTraits> traits = ReadBoosterTraits(*booster, file->string());
  if (!traits.ok()) return LoadError(traits.status(), *file);
  absl::StatusOr<CompletedConfig> completed = CompleteConfig(config, *traits, file->string());
  if (!completed.ok()) return completed.status();
  absl::StatusOr<std::string> serialized = booster->Serialize();
  if (!serialized.ok()) return LoadError(serialized.status(), *file);
  // Instances are copies: find out now, at load, if XGBoost cannot copy this model.
  if (absl::StatusOr<Booster> copy = Booster::Deserialize(*serialized); !copy.ok()) {
    return LoadError(copy.status(), *file);
  }
  return ModelPtr(
      new XgboostModel(*std::move(completed), *std::move(traits), *std::move(serialized)));
}

XgboostModel::XgboostModel(CompletedConfig completed, BoosterTraits traits, std::string serialized)
    : completed_(std::move(completed)),
      traits_(std::move(traits)),
      serialized_(std::move(serialized)),
      context_(fmt::format("model '{}'", completed_.config.name)) {}

absl::StatusOr<InstancePtr> XgboostModel::CreateInstance(const InstanceOptions& options) {
  absl::StatusOr<Booster> booster = Booster::Deserialize(serialized_);
  if (!booster.ok()) return booster.status();
  return XgboostInstance::Create(*std::move(booster), traits_, completed_.outputs, options,
                                 context_);
}

}  // namespace tensord::runtime::xgboost

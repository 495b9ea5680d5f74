#include "runtime/xgboost/xgboost_runtime.h"

#include <memory>

#include "runtime/xgboost/model_file.h"
#include "runtime/xgboost/xgboost_model.h"

namespace tensord::runtime::xgboost {
namespace {

class XgboostRuntime final : public Runtime {
 public:
  std::string_view default_model_filename() const override { return kDefaultModelFilename; }

  absl::StatusOr<ModelPtr> Load(const ModelConfig& config,
                                const std::filesystem::path& model_path) override {
    return XgboostModel::Load(config, model_path);
  }
};

}  // namespace

absl::Status RegisterXgboostRuntime(RuntimeRegistry& registry) {
  registry.Register(kPlatform, std::make_shared<XgboostRuntime>());
  registry.AddAlias("mlserver_xgboost.XGBoostModel", kPlatform);
  registry.AddAlias("fil", kPlatform);  // Triton's FIL backend (backend: "fil")
  registry.AddFileExtension(".ubj", kPlatform);
  registry.AddFileExtension(".bst", kPlatform);
  return absl::OkStatus();
}

}  // namespace tensord::runtime::xgboost

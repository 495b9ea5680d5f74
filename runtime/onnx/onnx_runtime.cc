#include "runtime/onnx/onnx_runtime.h"

#include <memory>

#include "runtime/onnx/onnx_model.h"
#include "runtime/onnx/ort_env.h"

namespace tensord::runtime::onnx {
namespace {

class OnnxRuntime final : public Runtime {
 public:
  std::string_view default_model_filename() const override { return "model.onnx"; }

  absl::StatusOr<ModelPtr> Load(const ModelConfig& config,
                                const std::filesystem::path& model_path) override {
    // The environment is created by the first Load, not at registration: a server that
    // serves no ONNX model never pays its ~20 MB.
    absl::StatusOr<std::shared_ptr<Ort::Env>> env = SharedOrtEnv();
    if (!env.ok()) return env.status();
    return OnnxModel::Load(*std::move(env), config, model_path);
  }
};

}  // namespace

absl::Status RegisterOnnxRuntime(RuntimeRegistry& registry) {
  registry.Register(kPlatform, std::make_shared<OnnxRuntime>());
  registry.AddAlias("onnxruntime", kPlatform);
  registry.AddFileExtension(".onnx", kPlatform);
  return absl::OkStatus();
}

}  // namespace tensord::runtime::onnx

#include "runtime/python/python_runtime.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <system_error>

#include "runtime/python/python_model.h"
#include "runtime/python/worker_process.h"

namespace tensord::runtime::python {
namespace {

namespace fs = std::filesystem;

class PythonRuntime : public Runtime {
 public:
  explicit PythonRuntime(PythonRuntimeOptions options)
      : options_(std::move(options)), forker_(std::make_shared<Forker>()) {}

  // A custom model has no model file: its folder's model-settings.json stands for it.
  std::string_view default_model_filename() const override { return "model-settings.json"; }

  absl::StatusOr<ModelPtr> Load(const ModelConfig& config, const fs::path& model_path) override {
    return PythonModel::Load(config, model_path, options_, forker_);
  }

 private:
  PythonRuntimeOptions options_;
  std::shared_ptr<Forker> forker_;
};

bool HoldsWorker(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir / "tensord_worker", ec);
}

}  // namespace

fs::path FindPythonDir() {
  if (const char* env = std::getenv("TENSORD_PYTHON_DIR"); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "tensord" / "python";
    if (HoldsWorker(installed)) return installed;
  }
#ifdef TENSORD_PYTHON_SOURCE_DIR
  if (HoldsWorker(TENSORD_PYTHON_SOURCE_DIR)) return fs::path(TENSORD_PYTHON_SOURCE_DIR);
#endif
  return {};
}

void BeginShutdown() { BeginWorkerShutdown(); }

absl::Status RegisterPythonRuntime(RuntimeRegistry& registry, PythonRuntimeOptions options) {
  if (options.python_dir.empty()) options.python_dir = FindPythonDir();
  registry.Register(kPlatform, std::make_shared<PythonRuntime>(std::move(options)));
  registry.AddAlias("mlserver_sklearn.SKLearnModel", kPlatform);
  registry.SetPythonPathPlatform(kPlatform);
  return absl::OkStatus();
}

}  // namespace tensord::runtime::python

// The model repository: a folder of model folders, each loaded into servable versions.
//
//   models/
//     mlp/config.pbtxt          (Triton)   or  model-settings.json (MLServer)   or neither
//     mlp/1/model.onnx          numbered version folders ...
//     iris/model-settings.json  ... or a single model file named by parameters.uri
//     iris/model.onnx
//
//   absl::StatusOr<std::unique_ptr<ModelRepository>> repo =
//       ModelRepository::Open({.root = "models"}, registry);   // error: root missing/unreadable
//   (*repo)->LoadAll();                  // failures are kept per model, with the reason
//   absl::StatusOr<ModelHandle> model = (*repo)->Get("mlp", "");   // highest ready version
//
// How a folder becomes a name, a platform and versions (config precedence, version folders,
// single model files, version_policy with default "all"): repository/model_folder.h. Config
// formats: repository/config_pbtxt.h, repository/model_settings.h. Threads per instance:
// repository/thread_plan.h.
//
// Thread-safe. A ModelHandle keeps its version (runtime model and scheduler) alive while a
// request uses it, so unloading never pulls a model from under a running request.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "runtime/runtime.h"
#include "scheduler/scheduler.h"

namespace tensord {

// One loaded, servable model version. The scheduler is shut down before the model goes.
struct ServableModel {
  ~ServableModel();
  std::string version;
  runtime::ModelPtr model;  // model->config() is the completed configuration
  scheduler::SchedulerPtr scheduler;
  const ModelConfig& config() const { return model->config(); }
};
using ModelHandle = std::shared_ptr<const ServableModel>;

// Orders version labels numerically when both are numbers ("9" < "10"), else as text.
struct VersionLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

enum class ModelState { kLoading, kReady, kUnavailable, kUnloading };
std::string_view ModelStateName(ModelState state);  // "READY", as Triton spells them

struct ModelVersionStatus {
  std::string name;
  std::string version;  // empty when the model failed before any version was found
  ModelState state = ModelState::kUnavailable;
  std::string reason;  // why it is not ready; empty when ready
};

class ModelRepository {
 public:
  struct Options {
    std::filesystem::path root;
    // Instances per model version when its config does not say (0: 1).
    int default_instance_count = 0;
    // Threads for each instance when the config does not say (0: share the usable cores).
    int default_intra_op_threads = 0;
  };

  // Checks that `root` is a readable folder; loads nothing yet.
  static absl::StatusOr<std::unique_ptr<ModelRepository>> Open(
      Options options, const runtime::RuntimeRegistry& registry);
  ~ModelRepository();

  // Loads every model folder under the root. A model that fails is recorded as
  // UNAVAILABLE with its reason; the others load regardless.
  void LoadAll();

  // The given version ("" = the highest ready one). NotFound for an unknown model or
  // version; Unavailable (with the reason) for a known one that is not ready.
  absl::StatusOr<ModelHandle> Get(std::string_view name, std::string_view version) const;

  // Metadata of a model (all ready versions listed) or of one version.
  absl::StatusOr<ModelMetadata> Metadata(std::string_view name, std::string_view version) const;

  // Every model version known, ready or not, sorted by name then version.
  std::vector<ModelVersionStatus> Index() const;

  // True when every model found loaded.
  bool AllReady() const;

 private:
  struct VersionEntry {
    ModelState state = ModelState::kUnavailable;
    std::string reason;
    ModelHandle servable;
  };
  struct ModelEntry {
    std::string reason;  // a model-level failure (bad config) before any version
    std::map<std::string, VersionEntry, VersionLess> versions;
  };

  ModelRepository(Options options, const runtime::RuntimeRegistry& registry);

  // Get() under mutex_.
  absl::StatusOr<ModelHandle> FindLocked(std::string_view name, std::string_view version) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const Options options_;
  const runtime::RuntimeRegistry& registry_;
  std::mutex load_mutex_;  // one LoadAll at a time; never held with mutex_ waited on
  mutable std::mutex mutex_;
  std::map<std::string, ModelEntry, std::less<>> models_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace tensord

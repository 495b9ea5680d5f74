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
//   (*repo)->Load("iris", {.config_json = R"({"max_batch_size": 8})"});  // load or reload one
//   (*repo)->Unload("iris");
//   (*repo)->Poll();                     // reload what changed on disk, unload what went
//
// How a folder becomes a name, a platform and versions (config precedence, version folders,
// single model files, version_policy with default "all"): repository/model_folder.h. Config
// formats: repository/config_pbtxt.h, repository/model_settings.h. Threads per instance:
// repository/thread_plan.h.
//
// Thread-safe. A ModelHandle keeps its version (runtime model and scheduler) alive while a
// request uses it, so unloading never pulls a model from under a running request. A reload
// builds the new versions beside the old ones and swaps them in; a version that fails to
// reload keeps its old one serving. Released versions are destroyed on the repository's
// reaper thread (repository/servable_reaper.h), never on the thread that let go of them.
// Loads of different models run in parallel; loads of one model are serialized.
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
#include "repository/servable_reaper.h"
#include "runtime/runtime.h"
#include "scheduler/scheduler.h"

namespace tensord {

struct ModelFolderPlan;  // repository/model_folder.h

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

struct ModelLoadOptions {
  // A JSON configuration override (repository/config_override.h); empty: the folder's.
  std::string config_json;
};

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
    // The most instances a model version may ask for, from its config or a load request
    // (0: DefaultMaxInstancesPerModel(UsableCpus()), repository/instance_limit.h). More is
    // InvalidArgument naming the field, the count and the limit.
    int max_instances_per_model = 0;
  };

  // Checks that `root` is a readable folder; loads nothing yet. InvalidArgument when
  // default_instance_count is past max_instances_per_model.
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

  // Every model version known, ready or not, sorted by name then version. An unloaded
  // version is UNLOADING while requests still hold it, then UNAVAILABLE ("unloaded").
  std::vector<ModelVersionStatus> Index() const;

  // True when every model found loaded.
  bool AllReady() const;

  // Loads, or reloads, model `name`: the folder of that name directly under the root, or
  // when there is none, the one folder whose config gives that name. Returns when the load
  // is over. Errors: InvalidArgument for a bad name (repository/model_name.h) or override,
  // NotFound when no folder holds the model, InvalidArgument "failed to load ..." with the
  // reason when a version fails (its old version, if any, keeps serving).
  absl::Status Load(std::string_view name, const ModelLoadOptions& options = {});

  // Stops serving every version of `name`; requests in flight finish on the old versions.
  // NotFound for a model the repository does not know.
  absl::Status Unload(std::string_view name);

  // What polling does every interval: loads new model folders, reloads those whose files
  // changed (FolderFingerprint), unloads and forgets models whose folder went away.
  void Poll();

  // Ready versions for statistics: every model's (name ""), one model's (version ""), or
  // one version. Errors as Get for a named model or version.
  absl::StatusOr<std::vector<ModelHandle>> ReadyVersions(std::string_view name,
                                                         std::string_view version) const;

  // Blocks until every version released so far has been destroyed (for tests).
  void WaitForReleased() { reaper_.WaitIdle(); }

 private:
  struct VersionEntry {
    ModelState state = ModelState::kUnavailable;
    std::string reason;
    ModelHandle servable;
    std::weak_ptr<const ServableModel> unloading;  // kUnloading: the version draining
  };
  struct ModelEntry {
    std::string reason;  // a model-level failure (bad config) before any version
    std::map<std::string, VersionEntry, VersionLess> versions;
    std::string fingerprint;  // FolderFingerprint of the folder when last loaded
  };

  ModelRepository(Options options, const runtime::RuntimeRegistry& registry);

  // Get() under mutex_.
  absl::StatusOr<ModelHandle> FindLocked(std::string_view name, std::string_view version) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The lock that serializes loads and unloads of one model.
  std::shared_ptr<std::mutex> ModelLock(const std::string& name);
  // Loads the versions of `plan` (with `config` in place of plan.config) and swaps them in.
  absl::Status LoadPlanned(const ModelFolderPlan& plan, const ModelConfig& config,
                           const std::string& fingerprint);
  // Records a model-level failure; versions already serving keep serving.
  absl::Status FailModel(const std::string& name, const std::string& reason);
  // Unload under the model's lock; `forget` also drops the model from the index.
  absl::Status UnloadLocked(std::string_view name, bool forget);

  const Options options_;
  const runtime::RuntimeRegistry& registry_;
  // Declared before models_: destroyed after them, it waits for the last versions to go.
  ServableReaper reaper_;
  std::mutex load_mutex_;  // one LoadAll or Poll at a time; taken before a model's lock
  mutable std::mutex mutex_;
  std::map<std::string, ModelEntry, std::less<>> models_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::shared_ptr<std::mutex>, std::less<>> model_locks_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace tensord

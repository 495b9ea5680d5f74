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
//
// The parts: model_folder (a folder → a plan), servable_loader (a planned version → a
// servable), version_table (states and the lookup fast path); this class runs a load
// from plan to table, and polling on top (repository/repository_poller.h).
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
#include "core/inference_service.h"
#include "core/model_config.h"
#include "core/model_state.h"
#include "repository/servable_model.h"
#include "repository/servable_reaper.h"
#include "repository/version_table.h"
#include "runtime/runtime.h"

namespace tensord {

struct ModelFolderPlan;  // repository/model_folder.h

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
    // The timer every version's scheduler shares (nullptr: each runs its own). Must
    // outlive the repository.
    scheduler::DeadlineTimer* deadline_timer = nullptr;
    // Whether a load request may carry the model's files (Triton's load from memory,
    // repository/request_files.h); false: such a load is PermissionDenied.
    bool allow_request_files = true;
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
  absl::StatusOr<ModelHandle> Get(std::string_view name, std::string_view version) const {
    return versions_.Get(name, version);
  }
  // VersionTable::changes(): grows with every change of any model's state.
  uint64_t changes() const { return versions_.changes(); }

  // Metadata of a model (all ready versions listed) or of one version.
  absl::StatusOr<ModelMetadata> Metadata(std::string_view name, std::string_view version) const {
    return versions_.Metadata(name, version);
  }

  // Every model version known, ready or not, sorted by name then version. An unloaded
  // version is UNLOADING while requests still hold it, then UNAVAILABLE ("unloaded").
  std::vector<ModelVersionStatus> Index() const { return versions_.Index(); }

  // The names the repository's model folders serve as now (FolderModelName: a pipeline
  // folder's "<folder>.pipeline", a model-settings.json's name; read from disk on each call,
  // hidden folders skipped), loaded or not: explicit mode's index lists the unloaded ones.
  std::vector<std::string> FolderNames() const;

  // True when every model found loaded.
  bool AllReady() const { return versions_.AllReady(); }

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
                                                         std::string_view version) const {
    return versions_.ReadyVersions(name, version);
  }

  // Blocks until every version released so far has been destroyed (for tests).
  void WaitForReleased() { reaper_.WaitIdle(); }

 private:
  ModelRepository(Options options, const runtime::RuntimeRegistry& registry);

  // The lock that serializes loads and unloads of one model.
  std::shared_ptr<std::mutex> ModelLock(const std::string& name);
  // Loads the versions of `plan` (with `config` in place of plan.config) and swaps them in.
  absl::Status LoadPlanned(const ModelFolderPlan& plan, const ModelConfig& config,
                           const std::string& fingerprint);
  // A load whose files and configuration came with the request (called under the model's
  // lock).
  absl::Status LoadFromRequestFiles(const std::string& model, const ModelLoadOptions& options);
  // Records a model-level failure (versions already serving keep serving) and returns the
  // load error for the caller.
  absl::Status FailModel(const std::string& name, const std::string& reason);

  const Options options_;
  const runtime::RuntimeRegistry& registry_;
  // Declared before versions_: destroyed after them, it waits for the last versions to go.
  ServableReaper reaper_;
  VersionTable versions_;
  std::mutex load_mutex_;  // one LoadAll or Poll at a time; taken before a model's lock
  std::mutex locks_mutex_;
  std::map<std::string, std::shared_ptr<std::mutex>, std::less<>> model_locks_
      ABSL_GUARDED_BY(locks_mutex_);
};

}  // namespace tensord

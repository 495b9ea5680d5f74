// The state of every model version the repository knows, and the lookups of the request
// path: which version serves, which is loading, which failed and why.
//
//   VersionTable table;
//   table.MarkLoading(plan);                           // LOADING, visible to the index
//   table.Install(plan, loaded_handles, fingerprint);  // swap the new versions in
//   absl::StatusOr<ModelHandle> model = table.Get("mlp", "");   // highest ready version
//
// One mutex guards the table; lookups hold it for a map find. State changes are the load
// path's (ModelRepository serializes them per model); handles they release are dropped
// after the mutex, so a version's destruction never runs under it. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "core/model_state.h"
#include "repository/model_folder.h"
#include "repository/servable_model.h"
#include "repository/version_label.h"

namespace tensord {

class VersionTable {
 public:
  // The given version ("" = the highest ready one). NotFound for an unknown model or
  // version; Unavailable (with the reason) for a known one that is not ready.
  absl::StatusOr<ModelHandle> Get(std::string_view name, std::string_view version) const;
  // Grows with every change of state (a load, an unload, a failure). A Get made after
  // reading it stays what Get would answer until it grows: callers that look the same model
  // up on every request (pipeline and ensemble steps) keep the answer and look again only
  // then.
  uint64_t changes() const { return changes_.load(std::memory_order_acquire); }
  // Metadata of a model (all ready versions listed) or of one version; errors as Get.
  absl::StatusOr<ModelMetadata> Metadata(std::string_view name, std::string_view version) const;
  // Ready versions: every model's (name ""), one model's (version ""), or one version.
  absl::StatusOr<std::vector<ModelHandle>> ReadyVersions(std::string_view name,
                                                         std::string_view version) const;
  // Every version known, sorted by name then version. An unloaded version is UNLOADING
  // while requests still hold it, then UNAVAILABLE ("unloaded").
  std::vector<ModelVersionStatus> Index() const;
  // True when every model known has all its versions ready (or unloaded on purpose).
  bool AllReady() const;
  std::vector<std::string> Names() const;
  // True when `name` was last loaded from files with this FolderFingerprint.
  bool LoadedFrom(std::string_view name, const std::string& fingerprint) const;

  // The load path. Stops and forgets every model whose name is not in `names`.
  void RetainOnly(const std::set<std::string, std::less<>>& names);
  // Publishes LOADING for the planned versions not serving yet (UNAVAILABLE, with the
  // reason, for versions the plan already found broken).
  void MarkLoading(const ModelFolderPlan& plan);
  // Swaps in the outcome of loading plan.versions (`loaded[i]` for version i): loaded ones
  // replace their predecessors; a failed one keeps its predecessor serving, or turns
  // UNAVAILABLE; versions no longer planned stop serving. Returns "version V: reason" for
  // the first failure, empty when every version loaded.
  std::string Install(const ModelFolderPlan& plan, std::vector<absl::StatusOr<ModelHandle>> loaded,
                      const std::string& fingerprint);
  // A model-level failure (bad config): recorded as the model's reason unless a version
  // still serves, which then serves on.
  void Fail(const std::string& name, const std::string& reason);
  // Two folders claim `name`: neither serves; the reason is recorded.
  void Disown(const std::string& name, const std::string& reason);
  // Every version's queued requests stop waiting for batch mates (the repository is going
  // away); the versions still serve.
  void DrainAll();
  // Stops serving every version of `name` (requests in flight finish on them, queued ones
  // without waiting for batch mates). NotFound for an unknown model; `forget` also drops
  // it from the index.
  absl::Status Unload(std::string_view name, bool forget);

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

  absl::StatusOr<ModelHandle> FindLocked(std::string_view name, std::string_view version) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void MarkLoadingLocked(const ModelFolderPlan& plan, ModelEntry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable std::mutex mutex_;
  std::map<std::string, ModelEntry, std::less<>> models_ ABSL_GUARDED_BY(mutex_);
  std::atomic<uint64_t> changes_{0};
};

}  // namespace tensord

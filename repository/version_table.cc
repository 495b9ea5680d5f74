#include "repository/version_table.h"

#include <algorithm>
#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

std::string StateReason(ModelState state, const std::string& reason) {
  if (!reason.empty()) return reason;
  switch (state) {
    case ModelState::kLoading:
      return "loading";
    case ModelState::kUnloading:
      return "unloading";
    default:
      return "unavailable";
  }
}

// Versions that stop serving. Declared before a lock, it drains them (their queued requests
// stop waiting for batch mates) and lets them go once the lock is released.
class Retired {
 public:
  Retired() = default;
  Retired(const Retired&) = delete;
  Retired& operator=(const Retired&) = delete;
  ~Retired() {
    for (const ModelHandle& handle : handles_) handle->Drain();
  }
  void Add(ModelHandle handle) {
    if (handle != nullptr) handles_.push_back(std::move(handle));
  }

 private:
  std::vector<ModelHandle> handles_;
};

// Triton's words for a version that is not there: a number it does not have, or a string
// that is no version label at all (tensord also serves named versions, so only a string
// that is neither a number nor a known label gets the second message).
absl::Status UnknownVersion(std::string_view name, std::string_view version) {
  const bool digits =
      std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    return absl::NotFoundError(
        fmt::format("Request for unknown model: '{}' version {} is not found", name, version));
  }
  return absl::NotFoundError(
      fmt::format("failed to get model version from specified version string '{}': model '{}' "
                  "has no such version, and a version should be an integral value > 0",
                  version, name));
}

}  // namespace

absl::StatusOr<ModelHandle> VersionTable::FindLocked(std::string_view name,
                                                     std::string_view version) const {
  auto model = models_.find(name);
  if (model == models_.end()) {
    // Triton's words: its clients match on them.
    return absl::NotFoundError(fmt::format("Request for unknown model: '{}' is not found", name));
  }
  const ModelEntry& entry = model->second;
  if (!version.empty()) {
    auto it = entry.versions.find(std::string(version));
    if (it == entry.versions.end()) {
      if (!entry.reason.empty()) {
        return absl::UnavailableError(
            fmt::format("model '{}' is not ready: {}", name, entry.reason));
      }
      return UnknownVersion(name, version);
    }
    if (it->second.state != ModelState::kReady) {
      return absl::UnavailableError(fmt::format("model '{}' version {} is not ready: {}", name,
                                                version,
                                                StateReason(it->second.state, it->second.reason)));
    }
    return it->second.servable;
  }
  if (!entry.reason.empty()) {
    return absl::UnavailableError(fmt::format("model '{}' is not ready: {}", name, entry.reason));
  }
  for (auto it = entry.versions.rbegin(); it != entry.versions.rend(); ++it) {
    if (it->second.state == ModelState::kReady) return it->second.servable;
  }
  if (entry.versions.empty()) {
    return absl::UnavailableError(fmt::format("model '{}' has no versions", name));
  }
  // Report the highest version's reason: it is the one a client would have been served.
  const auto& [highest, state] = *entry.versions.rbegin();
  return absl::UnavailableError(fmt::format("model '{}' has no ready version: version {}: {}", name,
                                            highest, StateReason(state.state, state.reason)));
}

absl::StatusOr<ModelHandle> VersionTable::Get(std::string_view name,
                                              std::string_view version) const {
  std::lock_guard lock(mutex_);
  return FindLocked(name, version);
}

absl::StatusOr<ModelMetadata> VersionTable::Metadata(std::string_view name,
                                                     std::string_view version) const {
  std::lock_guard lock(mutex_);
  absl::StatusOr<ModelHandle> handle = FindLocked(name, version);
  if (!handle.ok()) return handle.status();
  if (!version.empty()) return MetadataFromConfig((*handle)->config(), {std::string(version)});
  std::vector<std::string> ready;
  for (const auto& [label, entry] : models_.find(name)->second.versions) {
    if (entry.state == ModelState::kReady) ready.push_back(label);
  }
  return MetadataFromConfig((*handle)->config(), std::move(ready));
}

absl::StatusOr<std::vector<ModelHandle>> VersionTable::ReadyVersions(
    std::string_view name, std::string_view version) const {
  std::lock_guard lock(mutex_);
  std::vector<ModelHandle> ready;
  if (!name.empty() && !version.empty()) {
    absl::StatusOr<ModelHandle> handle = FindLocked(name, version);
    if (!handle.ok()) return handle.status();
    ready.push_back(*std::move(handle));
    return ready;
  }
  if (!name.empty()) {
    absl::StatusOr<ModelHandle> any = FindLocked(name, "");
    if (!any.ok()) return any.status();
  }
  for (const auto& [model, entry] : models_) {
    if (!name.empty() && model != name) continue;
    for (const auto& [label, v] : entry.versions) {
      if (v.state == ModelState::kReady) ready.push_back(v.servable);
    }
  }
  return ready;
}

std::vector<ModelVersionStatus> VersionTable::Index() const {
  std::lock_guard lock(mutex_);
  std::vector<ModelVersionStatus> index;
  for (const auto& [name, entry] : models_) {
    if (entry.versions.empty() || !entry.reason.empty()) {
      index.push_back({.name = name,
                       .version = "",
                       .state = ModelState::kUnavailable,
                       .reason = entry.reason.empty() ? "no versions" : entry.reason});
    }
    for (const auto& [version, v] : entry.versions) {
      ModelState state = v.state;
      std::string reason = v.reason;
      if (state == ModelState::kUnloading && v.unloading.expired()) {
        state = ModelState::kUnavailable;
        reason = "unloaded";
      }
      index.push_back({.name = name,
                       .version = version,
                       .state = state,
                       .reason = state == ModelState::kReady ? "" : StateReason(state, reason)});
    }
  }
  return index;
}

bool VersionTable::AllReady() const {
  std::lock_guard lock(mutex_);
  for (const auto& [name, entry] : models_) {
    if (!entry.reason.empty() || entry.versions.empty()) return false;
    for (const auto& [version, v] : entry.versions) {
      // A version unloaded on purpose is not a failure.
      const bool unloaded = v.state == ModelState::kUnloading ||
                            (v.state == ModelState::kUnavailable && v.reason == "unloaded");
      if (v.state != ModelState::kReady && !unloaded) return false;
    }
  }
  return true;
}

std::vector<std::string> VersionTable::Names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  names.reserve(models_.size());
  for (const auto& [name, entry] : models_) names.push_back(name);
  return names;
}

bool VersionTable::LoadedFrom(std::string_view name, const std::string& fingerprint) const {
  std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  return it != models_.end() && it->second.fingerprint == fingerprint;
}

void VersionTable::RetainOnly(const std::set<std::string, std::less<>>& names) {
  Retired released;  // declared before the lock: drained and dropped after it
  std::lock_guard lock(mutex_);
  changes_.fetch_add(1, std::memory_order_release);
  for (auto it = models_.begin(); it != models_.end();) {
    if (names.contains(it->first)) {
      ++it;
      continue;
    }
    for (auto& [version, entry] : it->second.versions) released.Add(entry.servable);
    it = models_.erase(it);
  }
}

void VersionTable::MarkLoadingLocked(const ModelFolderPlan& plan, ModelEntry& entry) {
  for (const VersionPlan& version : plan.versions) {
    VersionEntry& v = entry.versions[version.version];
    if (v.state == ModelState::kReady) continue;  // serves on while its successor loads
    v.state = version.error.empty() ? ModelState::kLoading : ModelState::kUnavailable;
    v.reason = version.error;
  }
}

void VersionTable::MarkLoading(const ModelFolderPlan& plan) {
  std::lock_guard lock(mutex_);
  changes_.fetch_add(1, std::memory_order_release);
  MarkLoadingLocked(plan, models_[plan.name]);
}

std::string VersionTable::Install(const ModelFolderPlan& plan,
                                  std::vector<absl::StatusOr<ModelHandle>> loaded,
                                  const std::string& fingerprint) {
  const std::string& name = plan.name;
  std::string first_error;
  Retired released;  // declared before the lock: drained and dropped after it
  std::lock_guard lock(mutex_);
  changes_.fetch_add(1, std::memory_order_release);
  ModelEntry& entry = models_[name];
  entry.reason.clear();
  entry.fingerprint = fingerprint;
  std::set<std::string, VersionLess> planned;
  for (size_t i = 0; i < plan.versions.size(); ++i) {
    const std::string& label = plan.versions[i].version;
    planned.insert(label);
    VersionEntry& v = entry.versions[label];
    absl::StatusOr<ModelHandle>& result = loaded[i];
    if (result.ok()) {
      released.Add(std::exchange(v.servable, *std::move(result)));
      v.state = ModelState::kReady;
      v.reason.clear();
      continue;
    }
    const std::string reason(Message(result.status()));
    spdlog::error("model '{}' version {}: {}", name, label, reason);
    if (first_error.empty()) first_error = fmt::format("version {}: {}", label, reason);
    if (v.servable != nullptr) continue;  // the old version keeps serving
    v.state = ModelState::kUnavailable;
    v.reason = reason;
  }
  // Versions no longer planned (folder removed, policy changed) stop serving.
  for (auto it = entry.versions.begin(); it != entry.versions.end();) {
    if (planned.contains(it->first)) {
      ++it;
      continue;
    }
    if (it->second.servable != nullptr) {
      spdlog::info("model '{}' version {} unloaded", name, it->first);
    }
    released.Add(std::move(it->second.servable));
    it = entry.versions.erase(it);
  }
  return first_error;
}

void VersionTable::Fail(const std::string& name, const std::string& reason) {
  std::lock_guard lock(mutex_);
  changes_.fetch_add(1, std::memory_order_release);
  ModelEntry& entry = models_[name];
  bool serving = false;
  for (const auto& [version, v] : entry.versions) serving |= v.state == ModelState::kReady;
  // A broken reload leaves what serves alone; the reason goes to the caller and the log.
  if (serving) return;
  entry.reason = reason;
  for (auto& [version, v] : entry.versions) {
    if (v.state == ModelState::kLoading) v.state = ModelState::kUnavailable;
  }
}

void VersionTable::Disown(const std::string& name, const std::string& reason) {
  Retired released;  // declared before the lock: drained and dropped after it
  std::lock_guard lock(mutex_);
  changes_.fetch_add(1, std::memory_order_release);
  ModelEntry& entry = models_[name];
  entry.reason = reason;
  for (auto& [version, v] : entry.versions) released.Add(std::move(v.servable));
  entry.versions.clear();
}

void VersionTable::DrainAll() {
  Retired draining;  // the versions stay in the table; only their batchers stop waiting
  std::lock_guard lock(mutex_);
  for (const auto& [name, entry] : models_) {
    for (const auto& [version, v] : entry.versions) draining.Add(v.servable);
  }
}

absl::Status VersionTable::Unload(std::string_view name, bool forget) {
  Retired released;  // declared before the lock: drained and dropped after it
  std::lock_guard lock(mutex_);
  changes_.fetch_add(1, std::memory_order_release);
  auto model = models_.find(name);
  if (model == models_.end()) {
    return absl::NotFoundError(fmt::format("failed to unload model '{}': unknown model", name));
  }
  for (auto& [version, v] : model->second.versions) {
    if (v.servable != nullptr) {
      spdlog::info("model '{}' version {} unloading", name, version);
      v.unloading = v.servable;
      released.Add(std::move(v.servable));
      v.state = ModelState::kUnloading;
      v.reason = "unloading";
    } else if (v.state != ModelState::kUnloading) {
      v.state = ModelState::kUnavailable;
      v.reason = "unloaded";
    }
  }
  model->second.reason.clear();
  model->second.fingerprint.clear();
  if (forget) models_.erase(model);
  return absl::OkStatus();
}

}  // namespace tensord

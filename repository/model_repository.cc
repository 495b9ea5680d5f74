#include "repository/model_repository.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/config_override.h"
#include "repository/folder_fingerprint.h"
#include "repository/instance_limit.h"
#include "repository/model_folder.h"
#include "repository/model_name.h"
#include "repository/thread_plan.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;

bool IsNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view StripZeros(std::string_view s) {
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  return s;
}

// Model folders under `root`, by name; hidden names (".git", ".ipynb_checkpoints") skipped.
std::vector<fs::path> ModelFolders(const fs::path& root) {
  std::vector<fs::path> folders;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".") || !entry.is_directory(ec)) continue;
    folders.push_back(entry.path());
  }
  if (ec) spdlog::error("model repository '{}': {}", root.string(), ec.message());
  std::sort(folders.begin(), folders.end());
  return folders;
}

struct LoadSettings {
  int default_instance_count = 0;
  int default_intra_op_threads = 0;
  int usable_cpus = 1;
};

// Loads one version: runtime model, then its scheduler with the planned threads. The handle
// comes from `reaper`, which destroys the version once the last handle is gone.
absl::StatusOr<ModelHandle> LoadServable(const runtime::RuntimeRegistry& registry,
                                         ServableReaper& reaper, const ModelFolderPlan& model,
                                         const ModelConfig& model_config,
                                         const VersionPlan& version, const LoadSettings& settings) {
  const std::string where = version.model_path.string();
  runtime::Runtime* runtime = registry.Find(version.platform);
  if (runtime == nullptr) {
    return absl::InternalError(
        fmt::format("{}: platform '{}' is not registered", where, version.platform));
  }
  ModelConfig config = model_config;
  config.platform = version.platform;
  absl::StatusOr<runtime::ModelPtr> loaded = runtime->Load(config, version.model_path);
  if (!loaded.ok()) return Annotate(loaded.status(), where);

  auto servable = std::make_unique<ServableModel>();
  servable->version = version.version;
  servable->model = *std::move(loaded);
  const ModelConfig& completed = servable->model->config();
  int instances = completed.instance_count;
  if (instances <= 0) instances = settings.default_instance_count;
  if (instances <= 0) instances = 1;
  scheduler::SchedulerOptions options{
      .model_name = model.name,
      .model_version = version.version,
      .instance_count = instances,
      .instance_options = PlanThreads({.instance_count = instances,
                                       .intra_op_threads = settings.default_intra_op_threads,
                                       .usable_cpus = settings.usable_cpus}),
  };
  absl::StatusOr<scheduler::SchedulerPtr> scheduler =
      scheduler::CreateScheduler(*servable->model, std::move(options));
  if (!scheduler.ok()) return Annotate(scheduler.status(), where);
  servable->scheduler = *std::move(scheduler);
  spdlog::info("model '{}' version {} ready ({} instance{}, {})", model.name, version.version,
               instances, instances == 1 ? "" : "s", where);
  return reaper.Adopt(std::move(servable));
}

// "'a', 'b' and 'c'"
std::string QuotedList(const std::vector<const ModelFolderPlan*>& plans) {
  std::string folders;
  for (size_t i = 0; i < plans.size(); ++i) {
    folders += fmt::format("{}'{}'", i == 0 ? "" : (i + 1 == plans.size() ? " and " : ", "),
                           plans[i]->folder.string());
  }
  return folders;
}

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

}  // namespace

ServableModel::~ServableModel() {
  // The scheduler's workers use the model: stop them before the model goes.
  if (scheduler) scheduler->Shutdown();
  scheduler.reset();
  model.reset();
}

bool VersionLess::operator()(const std::string& a, const std::string& b) const {
  const bool a_number = IsNumber(a);
  const bool b_number = IsNumber(b);
  if (a_number && b_number) {
    const std::string_view x = StripZeros(a);
    const std::string_view y = StripZeros(b);
    if (x.size() != y.size()) return x.size() < y.size();
    if (x != y) return x < y;
    return a < b;  // "01" and "1": distinct keys, in a fixed order
  }
  if (a_number != b_number) return a_number;  // numbers before names
  return a < b;
}

std::string_view ModelStateName(ModelState state) {
  switch (state) {
    case ModelState::kLoading:
      return "LOADING";
    case ModelState::kReady:
      return "READY";
    case ModelState::kUnavailable:
      return "UNAVAILABLE";
    case ModelState::kUnloading:
      return "UNLOADING";
  }
  return "UNAVAILABLE";
}

ModelRepository::ModelRepository(Options options, const runtime::RuntimeRegistry& registry)
    : options_(std::move(options)), registry_(registry) {}

ModelRepository::~ModelRepository() = default;

absl::StatusOr<std::unique_ptr<ModelRepository>> ModelRepository::Open(
    Options options, const runtime::RuntimeRegistry& registry) {
  const std::string root = options.root.string();
  std::error_code ec;
  const fs::file_status status = fs::status(options.root, ec);
  if (!fs::exists(status)) {
    return absl::NotFoundError(fmt::format("model repository '{}' does not exist", root));
  }
  if (!fs::is_directory(status)) {
    return absl::InvalidArgumentError(fmt::format("model repository '{}' is not a folder", root));
  }
  // Open it once so that an unreadable folder fails here, not as an empty repository.
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("model repository '{}' cannot be read: {}", root, std::strerror(errno)));
  }
  ::closedir(dir);
  if (options.max_instances_per_model <= 0) {
    options.max_instances_per_model = DefaultMaxInstancesPerModel(UsableCpus());
  }
  if (options.default_instance_count > options.max_instances_per_model) {
    return absl::InvalidArgumentError(
        fmt::format("--parallel-workers {} is past the limit of {} instances per model "
                    "(--max-instances-per-model)",
                    options.default_instance_count, options.max_instances_per_model));
  }
  return std::unique_ptr<ModelRepository>(new ModelRepository(std::move(options), registry));
}

void ModelRepository::LoadAll() {
  std::lock_guard load_lock(load_mutex_);
  std::vector<ModelFolderPlan> plans;
  for (const fs::path& folder : ModelFolders(options_.root)) {
    plans.push_back(ScanModelFolder(folder, registry_));
  }

  // Group by name: two folders claiming one name serve neither, since either choice
  // would be a guess.
  std::map<std::string, std::vector<const ModelFolderPlan*>, std::less<>> by_name;
  for (const ModelFolderPlan& plan : plans) by_name[plan.name].push_back(&plan);

  // Publish the LOADING states first, so that readiness reflects the load in progress.
  std::vector<const ModelFolderPlan*> to_load;
  std::vector<ModelHandle> released;  // dropped outside the lock
  {
    std::lock_guard lock(mutex_);
    for (auto it = models_.begin(); it != models_.end();) {
      if (by_name.contains(it->first)) {
        ++it;
        continue;
      }
      for (auto& [version, entry] : it->second.versions) released.push_back(entry.servable);
      it = models_.erase(it);
    }
    for (const auto& [name, claimants] : by_name) {
      ModelEntry& entry = models_[name];
      if (claimants.size() > 1) {
        entry.reason =
            fmt::format("model name '{}' is claimed by folders {}", name, QuotedList(claimants));
        spdlog::error("{}", entry.reason);
        for (auto& [version, v] : entry.versions) released.push_back(v.servable);
        entry.versions.clear();
        continue;
      }
      const ModelFolderPlan& plan = *claimants.front();
      to_load.push_back(&plan);
      if (!plan.error.empty()) continue;
      for (const VersionPlan& version : plan.versions) {
        VersionEntry& v = entry.versions[version.version];
        if (v.state == ModelState::kReady) continue;
        v.state = version.error.empty() ? ModelState::kLoading : ModelState::kUnavailable;
        v.reason = version.error;
      }
    }
  }
  released.clear();
  for (const ModelFolderPlan* plan : to_load) {
    std::shared_ptr<std::mutex> model_lock = ModelLock(plan->name);
    std::lock_guard lock(*model_lock);
    (void)LoadPlanned(*plan, plan->config, FolderFingerprint(plan->folder));
  }
}

std::shared_ptr<std::mutex> ModelRepository::ModelLock(const std::string& name) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<std::mutex>& model_lock = model_locks_[name];
  if (model_lock == nullptr) model_lock = std::make_shared<std::mutex>();
  return model_lock;
}

absl::Status ModelRepository::FailModel(const std::string& name, const std::string& reason) {
  spdlog::error("model '{}': {}", name, reason);
  std::lock_guard lock(mutex_);
  ModelEntry& entry = models_[name];
  bool serving = false;
  for (const auto& [version, v] : entry.versions) serving |= v.state == ModelState::kReady;
  // A broken reload leaves what serves alone; the reason goes to the caller and the log.
  if (!serving) {
    entry.reason = reason;
    for (auto& [version, v] : entry.versions) {
      if (v.state == ModelState::kLoading) v.state = ModelState::kUnavailable;
    }
  }
  return absl::InvalidArgumentError(fmt::format("failed to load model '{}': {}", name, reason));
}

absl::Status ModelRepository::LoadPlanned(const ModelFolderPlan& plan, const ModelConfig& config,
                                          const std::string& fingerprint) {
  const std::string& name = plan.name;
  if (!plan.error.empty()) return FailModel(name, plan.error);
  // A config file asking for more instances than the server allows (a load request's
  // override was checked by ApplyConfigOverride, with its own field names).
  if (absl::Status s =
          CheckInstanceCount(static_cast<uint64_t>(std::max(0, config.instance_count)),
                             options_.max_instances_per_model,
                             config.source.empty() ? plan.folder.string() : config.source,
                             InstanceCountField(config.source));
      !s.ok()) {
    return FailModel(name, std::string(Message(s)));
  }
  {
    std::lock_guard lock(mutex_);
    ModelEntry& entry = models_[name];
    for (const VersionPlan& version : plan.versions) {
      VersionEntry& v = entry.versions[version.version];
      if (v.state == ModelState::kReady) continue;  // serves on while its successor loads
      v.state = version.error.empty() ? ModelState::kLoading : ModelState::kUnavailable;
      v.reason = version.error;
    }
  }

  const LoadSettings settings{.default_instance_count = options_.default_instance_count,
                              .default_intra_op_threads = options_.default_intra_op_threads,
                              .usable_cpus = UsableCpus()};
  std::vector<absl::StatusOr<ModelHandle>> loaded;
  for (const VersionPlan& version : plan.versions) {
    if (!version.error.empty()) {
      loaded.push_back(absl::InvalidArgumentError(version.error));
      continue;
    }
    loaded.push_back(LoadServable(registry_, reaper_, plan, config, version, settings));
  }

  std::string first_error;
  std::vector<ModelHandle> released;  // dropped outside the lock
  {
    std::lock_guard lock(mutex_);
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
        released.push_back(std::exchange(v.servable, *std::move(result)));
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
      released.push_back(std::move(it->second.servable));
      it = entry.versions.erase(it);
    }
  }
  released.clear();
  if (!first_error.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("failed to load model '{}': {}", name, first_error));
  }
  return absl::OkStatus();
}

absl::Status ModelRepository::Load(std::string_view name, const ModelLoadOptions& options) {
  if (absl::Status valid = ValidateModelName(name); !valid.ok()) return valid;
  const std::string model(name);
  std::shared_ptr<std::mutex> model_lock = ModelLock(model);
  std::lock_guard lock(*model_lock);

  // The folder named like the model, else the one folder whose config names it.
  std::optional<ModelFolderPlan> plan;
  std::error_code ec;
  const fs::path folder = options_.root / model;
  if (fs::is_directory(folder, ec)) {
    plan = ScanModelFolder(folder, registry_);
    if (plan->name != model) {
      return absl::InvalidArgumentError(
          fmt::format("folder '{}' holds model '{}' (its config's name), not '{}'", folder.string(),
                      plan->name, model));
    }
  } else {
    std::vector<ModelFolderPlan> claimants;
    for (const fs::path& candidate : ModelFolders(options_.root)) {
      ModelFolderPlan scanned = ScanModelFolder(candidate, registry_);
      if (scanned.name == model) claimants.push_back(std::move(scanned));
    }
    if (claimants.empty()) {
      return absl::NotFoundError(fmt::format(
          "failed to load model '{}': no folder '{}' in the model repository", model, model));
    }
    if (claimants.size() > 1) {
      std::vector<const ModelFolderPlan*> pointers;
      for (const ModelFolderPlan& c : claimants) pointers.push_back(&c);
      return FailModel(model, fmt::format("model name '{}' is claimed by folders {}", model,
                                          QuotedList(pointers)));
    }
    plan = std::move(claimants.front());
  }

  ModelConfig config = plan->config;
  if (!options.config_json.empty()) {
    absl::StatusOr<ModelConfig> overridden =
        ApplyConfigOverride(plan->config, options.config_json, model,
                            {.max_instances = options_.max_instances_per_model});
    if (!overridden.ok()) return overridden.status();
    config = *std::move(overridden);
  }
  return LoadPlanned(*plan, config, FolderFingerprint(plan->folder));
}

absl::Status ModelRepository::Unload(std::string_view name) {
  if (absl::Status valid = ValidateModelName(name); !valid.ok()) return valid;
  std::shared_ptr<std::mutex> model_lock = ModelLock(std::string(name));
  std::lock_guard lock(*model_lock);
  return UnloadLocked(name, /*forget=*/false);
}

absl::Status ModelRepository::UnloadLocked(std::string_view name, bool forget) {
  std::vector<ModelHandle> released;  // dropped outside the lock
  {
    std::lock_guard lock(mutex_);
    auto model = models_.find(name);
    if (model == models_.end()) {
      return absl::NotFoundError(fmt::format("failed to unload model '{}': unknown model", name));
    }
    for (auto& [version, v] : model->second.versions) {
      if (v.servable != nullptr) {
        spdlog::info("model '{}' version {} unloading", name, version);
        v.unloading = v.servable;
        released.push_back(std::move(v.servable));
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
  }
  released.clear();
  return absl::OkStatus();
}

void ModelRepository::Poll() {
  std::lock_guard load_lock(load_mutex_);
  std::map<std::string, std::vector<ModelFolderPlan>, std::less<>> by_name;
  for (const fs::path& folder : ModelFolders(options_.root)) {
    ModelFolderPlan plan = ScanModelFolder(folder, registry_);
    by_name[plan.name].push_back(std::move(plan));
  }
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, entry] : models_) {
      if (!by_name.contains(name)) gone.push_back(name);
    }
  }
  for (const std::string& name : gone) {
    std::shared_ptr<std::mutex> model_lock = ModelLock(name);
    std::lock_guard lock(*model_lock);
    spdlog::info("model '{}': its folder is gone; unloading", name);
    (void)UnloadLocked(name, /*forget=*/true);
  }
  for (auto& [name, claimants] : by_name) {
    std::shared_ptr<std::mutex> model_lock = ModelLock(name);
    std::lock_guard lock(*model_lock);
    if (claimants.size() > 1) {
      std::vector<const ModelFolderPlan*> pointers;
      for (const ModelFolderPlan& c : claimants) pointers.push_back(&c);
      (void)FailModel(name, fmt::format("model name '{}' is claimed by folders {}", name,
                                        QuotedList(pointers)));
      continue;
    }
    const ModelFolderPlan& plan = claimants.front();
    std::string fingerprint = FolderFingerprint(plan.folder);
    {
      std::lock_guard lock(mutex_);
      auto it = models_.find(name);
      if (it != models_.end() && it->second.fingerprint == fingerprint) continue;
    }
    spdlog::info("model '{}': {} from '{}'", name, "loading", plan.folder.string());
    (void)LoadPlanned(plan, plan.config, fingerprint);
  }
}

absl::StatusOr<std::vector<ModelHandle>> ModelRepository::ReadyVersions(
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

absl::StatusOr<ModelHandle> ModelRepository::FindLocked(std::string_view name,
                                                        std::string_view version) const {
  auto model = models_.find(name);
  if (model == models_.end()) {
    return absl::NotFoundError(fmt::format("unknown model '{}'", name));
  }
  const ModelEntry& entry = model->second;
  if (!version.empty()) {
    auto it = entry.versions.find(std::string(version));
    if (it == entry.versions.end()) {
      if (!entry.reason.empty()) {
        return absl::UnavailableError(
            fmt::format("model '{}' is not ready: {}", name, entry.reason));
      }
      return absl::NotFoundError(fmt::format("model '{}' has no version '{}'", name, version));
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

absl::StatusOr<ModelHandle> ModelRepository::Get(std::string_view name,
                                                 std::string_view version) const {
  std::lock_guard lock(mutex_);
  return FindLocked(name, version);
}

absl::StatusOr<ModelMetadata> ModelRepository::Metadata(std::string_view name,
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

std::vector<ModelVersionStatus> ModelRepository::Index() const {
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

bool ModelRepository::AllReady() const {
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

}  // namespace tensord

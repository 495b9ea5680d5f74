#include "repository/model_repository.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/model_folder.h"
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

// Loads one version: runtime model, then its scheduler with the planned threads.
absl::StatusOr<ModelHandle> LoadServable(const runtime::RuntimeRegistry& registry,
                                         const ModelFolderPlan& model, const VersionPlan& version,
                                         const LoadSettings& settings) {
  const std::string where = version.model_path.string();
  runtime::Runtime* runtime = registry.Find(version.platform);
  if (runtime == nullptr) {
    return absl::InternalError(
        fmt::format("{}: platform '{}' is not registered", where, version.platform));
  }
  ModelConfig config = model.config;
  config.platform = version.platform;
  absl::StatusOr<runtime::ModelPtr> loaded = runtime->Load(config, version.model_path);
  if (!loaded.ok()) return Annotate(loaded.status(), where);

  auto servable = std::make_shared<ServableModel>();
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
  return ModelHandle(std::move(servable));
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

  std::map<std::string, ModelEntry, std::less<>> entries;
  std::vector<const ModelFolderPlan*> to_load;
  for (const auto& [name, claimants] : by_name) {
    ModelEntry& entry = entries[name];
    if (claimants.size() > 1) {
      std::string folders;
      for (size_t i = 0; i < claimants.size(); ++i) {
        folders += fmt::format("{}'{}'", i == 0 ? "" : (i + 1 == claimants.size() ? " and " : ", "),
                               claimants[i]->folder.string());
      }
      entry.reason = fmt::format("model name '{}' is claimed by folders {}", name, folders);
      spdlog::error("{}", entry.reason);
      continue;
    }
    const ModelFolderPlan& plan = *claimants.front();
    entry.reason = plan.error;
    if (!plan.error.empty()) spdlog::error("model '{}': {}", name, plan.error);
    for (const VersionPlan& version : plan.versions) {
      VersionEntry& v = entry.versions[version.version];
      v.state = version.error.empty() ? ModelState::kLoading : ModelState::kUnavailable;
      v.reason = version.error;
      if (!version.error.empty()) {
        spdlog::error("model '{}' version {}: {}", name, version.version, version.error);
      }
    }
    if (plan.error.empty()) to_load.push_back(&plan);
  }

  // Publish the LOADING states first, so that readiness reflects the load in progress.
  std::map<std::string, ModelEntry, std::less<>> previous;
  {
    std::lock_guard lock(mutex_);
    previous.swap(models_);
    models_ = std::move(entries);
  }
  previous.clear();  // outside the lock: shutting schedulers down waits for their queues

  const LoadSettings settings{.default_instance_count = options_.default_instance_count,
                              .default_intra_op_threads = options_.default_intra_op_threads,
                              .usable_cpus = UsableCpus()};
  for (const ModelFolderPlan* plan : to_load) {
    for (const VersionPlan& version : plan->versions) {
      if (!version.error.empty()) continue;
      absl::StatusOr<ModelHandle> servable = LoadServable(registry_, *plan, version, settings);
      if (!servable.ok()) {
        spdlog::error("model '{}' version {}: {}", plan->name, version.version,
                      Message(servable.status()));
      }
      std::lock_guard lock(mutex_);
      VersionEntry& entry = models_[plan->name].versions[version.version];
      if (servable.ok()) {
        entry.state = ModelState::kReady;
        entry.reason.clear();
        entry.servable = *std::move(servable);
      } else {
        entry.state = ModelState::kUnavailable;
        entry.reason = std::string(Message(servable.status()));
      }
    }
  }
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
      index.push_back(
          {.name = name,
           .version = version,
           .state = v.state,
           .reason = v.state == ModelState::kReady ? "" : StateReason(v.state, v.reason)});
    }
  }
  return index;
}

bool ModelRepository::AllReady() const {
  std::lock_guard lock(mutex_);
  for (const auto& [name, entry] : models_) {
    if (!entry.reason.empty() || entry.versions.empty()) return false;
    for (const auto& [version, v] : entry.versions) {
      if (v.state != ModelState::kReady) return false;
    }
  }
  return true;
}

}  // namespace tensord

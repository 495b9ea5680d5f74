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
#include "repository/request_files.h"
#include "repository/servable_loader.h"
#include "repository/thread_plan.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;

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

// "'a', 'b' and 'c'"
std::string QuotedList(const std::vector<const ModelFolderPlan*>& plans) {
  std::string folders;
  for (size_t i = 0; i < plans.size(); ++i) {
    folders += fmt::format("{}'{}'", i == 0 ? "" : (i + 1 == plans.size() ? " and " : ", "),
                           plans[i]->folder.string());
  }
  return folders;
}

}  // namespace

ModelRepository::ModelRepository(Options options, const runtime::RuntimeRegistry& registry)
    : options_(std::move(options)), registry_(registry) {}

ModelRepository::~ModelRepository() {
  // Requests still queued (the frontends gave up on them at their exit timeout) must not
  // hold the destruction for a batching delay: they run at once, their versions go.
  versions_.DrainAll();
}

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

std::vector<std::string> ModelRepository::FolderNames() const {
  std::vector<std::string> names;
  for (const fs::path& folder : ModelFolders(options_.root)) {
    names.push_back(FolderModelName(folder));
  }
  return names;
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
  std::set<std::string, std::less<>> names;
  for (const auto& [name, claimants] : by_name) names.insert(name);
  versions_.RetainOnly(names);
  std::vector<const ModelFolderPlan*> to_load;
  for (const auto& [name, claimants] : by_name) {
    if (claimants.size() > 1) {
      const std::string reason =
          fmt::format("model name '{}' is claimed by folders {}", name, QuotedList(claimants));
      spdlog::error("{}", reason);
      versions_.Disown(name, reason);
      continue;
    }
    const ModelFolderPlan& plan = *claimants.front();
    to_load.push_back(&plan);
    if (plan.error.empty()) versions_.MarkLoading(plan);
  }
  // Models that run other models (ensembles, pipelines) last: their steps are ready then.
  std::stable_partition(to_load.begin(), to_load.end(), [this](const ModelFolderPlan* plan) {
    return std::none_of(plan->versions.begin(), plan->versions.end(), [this](const VersionPlan& v) {
      const runtime::Runtime* runtime = registry_.Find(v.platform);
      return runtime != nullptr && runtime->composes_models();
    });
  });
  for (const ModelFolderPlan* plan : to_load) {
    std::shared_ptr<std::mutex> model_lock = ModelLock(plan->name);
    std::lock_guard lock(*model_lock);
    (void)LoadPlanned(*plan, plan->config, FolderFingerprint(plan->folder));
  }
}

std::shared_ptr<std::mutex> ModelRepository::ModelLock(const std::string& name) {
  std::lock_guard lock(locks_mutex_);
  std::shared_ptr<std::mutex>& model_lock = model_locks_[name];
  if (model_lock == nullptr) model_lock = std::make_shared<std::mutex>();
  return model_lock;
}

absl::Status ModelRepository::FailModel(const std::string& name, const std::string& reason) {
  spdlog::error("model '{}': {}", name, reason);
  versions_.Fail(name, reason);
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
  versions_.MarkLoading(plan);

  const LoadSettings settings{.default_instance_count = options_.default_instance_count,
                              .default_intra_op_threads = options_.default_intra_op_threads,
                              .usable_cpus = UsableCpus(),
                              .deadline_timer = options_.deadline_timer};
  std::vector<absl::StatusOr<ModelHandle>> loaded;
  for (const VersionPlan& version : plan.versions) {
    if (!version.error.empty()) {
      loaded.push_back(absl::InvalidArgumentError(version.error));
      continue;
    }
    loaded.push_back(LoadServable(registry_, reaper_, plan, config, version, settings));
  }
  const std::string first_error = versions_.Install(plan, std::move(loaded), fingerprint);
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
  if (!options.files.empty()) return LoadFromRequestFiles(model, options);

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
    ConfigOverrideOptions override_options{.max_instances = options_.max_instances_per_model};
    for (const VersionPlan& version : plan->versions) {
      if (!version.platform.empty()) override_options.planned_platforms.push_back(version.platform);
    }
    override_options.canonical = [this](std::string_view name) {
      return registry_.Canonical(name);
    };
    absl::StatusOr<ModelConfig> overridden =
        ApplyConfigOverride(plan->config, options.config_json, model, override_options);
    // Triton's clients look for "failed to load" in a refused load.
    if (!overridden.ok()) {
      return Annotate(overridden.status(), fmt::format("failed to load model '{}'", model));
    }
    config = *std::move(overridden);
  }
  return LoadPlanned(*plan, config, FolderFingerprint(plan->folder));
}

absl::Status ModelRepository::LoadFromRequestFiles(const std::string& model,
                                                   const ModelLoadOptions& options) {
  if (!options_.allow_request_files) {
    return absl::PermissionDeniedError(fmt::format(
        "failed to load model '{}': loading model files sent with the request ('{}' parameters) "
        "is turned off on this server (--allow-load-files=false)",
        model, kFileParameterPrefix));
  }
  absl::StatusOr<std::unique_ptr<StagedModelFolder>> staged =
      StageModelFiles(model, options.config_json, options.files);
  // Triton's clients look for "failed to load" in a refused load.
  if (!staged.ok()) return Annotate(staged.status(), fmt::format("failed to load model '{}'", model));
  const ModelFolderPlan plan = ScanModelFolder((*staged)->folder(), registry_);
  spdlog::info("model '{}': loading from the {} file{} of a load request", model,
               options.files.size(), options.files.size() == 1 ? "" : "s");
  // Loaded models hold what they need in memory; the staging folder goes with `staged`.
  return LoadPlanned(plan, plan.config, "request:" + FolderFingerprint(plan.folder));
}

absl::Status ModelRepository::Unload(std::string_view name) {
  if (absl::Status valid = ValidateModelName(name); !valid.ok()) return valid;
  std::shared_ptr<std::mutex> model_lock = ModelLock(std::string(name));
  std::lock_guard lock(*model_lock);
  return versions_.Unload(name, /*forget=*/false);
}

void ModelRepository::Poll() {
  std::lock_guard load_lock(load_mutex_);
  std::map<std::string, std::vector<ModelFolderPlan>, std::less<>> by_name;
  for (const fs::path& folder : ModelFolders(options_.root)) {
    ModelFolderPlan plan = ScanModelFolder(folder, registry_);
    by_name[plan.name].push_back(std::move(plan));
  }
  for (const std::string& name : versions_.Names()) {
    if (by_name.contains(name)) continue;
    std::shared_ptr<std::mutex> model_lock = ModelLock(name);
    std::lock_guard lock(*model_lock);
    spdlog::info("model '{}': its folder is gone; unloading", name);
    (void)versions_.Unload(name, /*forget=*/true);
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
    const std::string fingerprint = FolderFingerprint(plan.folder);
    if (versions_.LoadedFrom(name, fingerprint)) continue;
    spdlog::info("model '{}': loading from '{}'", name, plan.folder.string());
    (void)LoadPlanned(plan, plan.config, fingerprint);
  }
}

}  // namespace tensord

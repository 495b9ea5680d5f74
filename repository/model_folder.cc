#include "repository/model_folder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "absl/status/statusor.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/config_pbtxt.h"
#include "repository/label_file.h"
#include "repository/model_settings.h"
#include "repository/path_containment.h"
#include "repository/version_label.h"

namespace tensord {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        fmt::format("{}: cannot be read: {}", path.string(), std::strerror(errno)));
  }
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Reads whichever config the folder has; a config-less folder gets an empty one.
absl::StatusOr<ModelConfig> ReadConfig(const fs::path& folder) {
  std::error_code ec;
  const fs::path pbtxt = folder / "config.pbtxt";
  if (fs::exists(pbtxt, ec)) {
    absl::StatusOr<std::string> text = ReadText(pbtxt);
    if (!text.ok()) return text.status();
    return ParseTritonConfig(*text, pbtxt.string());
  }
  const fs::path settings = folder / "model-settings.json";
  if (fs::exists(settings, ec)) {
    absl::StatusOr<std::string> text = ReadText(settings);
    if (!text.ok()) return text.status();
    return ParseModelSettings(*text, settings.string());
  }
  // A Seldon Core 2 Pipeline (serving/pipeline/pipeline_runtime.h reads the file): served as
  // "<folder>.pipeline", the name Seldon's clients call it by.
  if (fs::exists(folder / "pipeline.yaml", ec)) {
    return ModelConfig{.name = folder.filename().string() + ".pipeline",
                       .platform = "seldon_pipeline"};
  }
  return ModelConfig{};
}

// "1", "10": positive decimal numbers without leading zeros, as Triton names versions.
bool IsVersionName(const std::string& name) {
  return !name.empty() && name.size() <= 18 && name[0] != '0' &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> NumberedFolders(const fs::path& folder) {
  std::vector<std::string> versions;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsVersionName(name) && entry.is_directory(ec)) versions.push_back(name);
  }
  std::sort(versions.begin(), versions.end(), VersionLess());
  return versions;
}

// Whether `path` is named like the model file a runtime looks for by default: "model.*", or
// the runtime's own default name.
bool NamedLikeAModel(const fs::path& path, std::string_view default_name) {
  return path.stem() == "model" || path.filename() == default_name;
}

// Whether `dir` holds a regular file other than hidden ones ("." files).
bool HoldsAnyFile(const fs::path& dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().filename().string()[0] != '.') return true;
  }
  return false;
}

struct FindOptions {
  // `dir` is a version folder: when the platform is known and nothing there has a name the
  // registry recognizes, but the folder is not empty, hand the runtime its default path
  // instead of failing. Runtimes may know names the registry's extensions cannot claim
  // (Triton FIL's xgboost.json, xgboost.model: runtime/xgboost/model_file.h), and the
  // runtime's own error then says what it looked for.
  bool defer_to_runtime = false;
};

// The model file in `dir` when no name is configured. Candidates: regular files whose
// extension a runtime claims (for the configured platform, if any) and, when the platform is
// known, its runtime's default file. One candidate: it. Several: the first by name of those
// named "model.*" (or the default name); for XGBoost that is MLServer's order, model.bst
// before model.json before model.ubj. Several and none named so: ambiguous.
absl::StatusOr<fs::path> FindModelFile(const fs::path& dir, const std::string& platform,
                                       const runtime::RuntimeRegistry& registry,
                                       FindOptions options = {}) {
  std::error_code ec;
  const std::string default_name =
      platform.empty() ? std::string()
                       : std::string(registry.Find(platform)->default_model_filename());
  std::vector<fs::path> candidates;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const bool is_default = !default_name.empty() && entry.path().filename() == default_name;
    const std::string file_platform = registry.PlatformForFile(entry.path());
    const bool claimed = !file_platform.empty() && (platform.empty() || file_platform == platform);
    if (is_default || claimed) candidates.push_back(entry.path());
  }
  std::sort(candidates.begin(), candidates.end());
  if (candidates.size() > 1) {
    auto model = std::find_if(candidates.begin(), candidates.end(),
                              [&](const fs::path& p) { return NamedLikeAModel(p, default_name); });
    if (model != candidates.end()) return *model;
    std::string names;
    for (const fs::path& p : candidates)
      names += (names.empty() ? "" : ", ") + p.filename().string();
    return absl::InvalidArgumentError(
        fmt::format("{}: several model files ({}); name one in the config", dir.string(), names));
  }
  if (candidates.empty()) {
    if (options.defer_to_runtime && !platform.empty() && HoldsAnyFile(dir)) {
      return dir / default_name;
    }
    const std::string expected =
        platform.empty() ? std::string("a model file with a known extension") : default_name;
    return absl::NotFoundError(
        fmt::format("{}: no model file (expected {})", dir.string(), expected));
  }
  return candidates.front();
}

// Fills in the file and platform of `version`, whose model lives in `dir`.
VersionPlan PlanVersion(std::string version, const fs::path& dir, const ModelConfig& config,
                        const std::string& platform, const runtime::RuntimeRegistry& registry,
                        FindOptions find_options = {}) {
  VersionPlan plan{.version = std::move(version), .model_path = dir, .platform = platform};
  std::error_code ec;
  if (!config.model_file.empty()) {
    plan.model_path = dir / config.model_file;
    if (!fs::exists(plan.model_path, ec)) {
      plan.error = fmt::format("{}: model file not found", plan.model_path.string());
      return plan;
    }
  } else {
    absl::StatusOr<fs::path> file = FindModelFile(dir, platform, registry, find_options);
    if (!file.ok()) {
      plan.error = std::string(Message(file.status()));
      return plan;
    }
    plan.model_path = *std::move(file);
  }
  if (plan.platform.empty()) {
    plan.platform = registry.PlatformForFile(plan.model_path);
    if (plan.platform.empty()) {
      plan.error = fmt::format(
          "{}: no runtime serves files like this; set the platform in the "
          "config",
          plan.model_path.string());
    }
  }
  return plan;
}

// The numbered folders the version policy selects, with those it names but are missing.
std::vector<std::pair<std::string, bool>> SelectVersions(const std::vector<std::string>& found,
                                                         const VersionPolicy& policy) {
  std::vector<std::pair<std::string, bool>> selected;  // version, folder exists
  switch (policy.kind) {
    case VersionPolicy::Kind::kAll:
      for (const std::string& v : found) selected.emplace_back(v, true);
      break;
    case VersionPolicy::Kind::kLatest: {
      const size_t keep = static_cast<size_t>(std::max<int64_t>(0, policy.num_versions));
      const size_t first = found.size() > keep ? found.size() - keep : 0;
      for (size_t i = first; i < found.size(); ++i) selected.emplace_back(found[i], true);
      break;
    }
    case VersionPolicy::Kind::kSpecific: {
      std::vector<std::string> wanted = policy.specific;
      std::sort(wanted.begin(), wanted.end(), VersionLess());
      wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
      for (const std::string& v : wanted) {
        selected.emplace_back(v, std::find(found.begin(), found.end(), v) != found.end());
      }
      break;
    }
  }
  return selected;
}

std::string KnownPlatforms(const runtime::RuntimeRegistry& registry) {
  std::string names;
  for (const std::string& name : registry.Platforms()) names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "none" : names;
}

// A model whose runtime needs no model file (a Triton ensemble or identity model, a Seldon
// pipeline): its version folders may be empty ("1/"), or missing, which serves it as
// version 1.
ModelFolderPlan PlanFilelessVersions(ModelFolderPlan plan) {
  const std::vector<std::string> numbered = NumberedFolders(plan.folder);
  if (numbered.empty()) {
    const std::string label = plan.config.version_label.empty() ? "1" : plan.config.version_label;
    plan.versions.push_back(
        {.version = label, .model_path = plan.folder, .platform = plan.config.platform});
    return plan;
  }
  for (const auto& [version, exists] : SelectVersions(numbered, plan.config.version_policy)) {
    VersionPlan v{
        .version = version, .model_path = plan.folder / version, .platform = plan.config.platform};
    if (!exists) {
      v.error = fmt::format("{}: version folder not found (the version_policy names it)",
                            v.model_path.string());
    }
    plan.versions.push_back(std::move(v));
  }
  return plan;
}

}  // namespace

std::string FolderModelName(const fs::path& folder) {
  absl::StatusOr<ModelConfig> config = ReadConfig(folder);
  if (config.ok() && !config->name.empty()) return config->name;
  return folder.filename().string();
}

ModelFolderPlan ScanModelFolder(const fs::path& folder, const runtime::RuntimeRegistry& registry) {
  ModelFolderPlan plan;
  plan.folder = folder;
  plan.name = folder.filename().string();
  absl::StatusOr<ModelConfig> config = ReadConfig(folder);
  if (!config.ok()) {
    plan.error = std::string(Message(config.status()));
    return plan;
  }
  plan.config = *std::move(config);
  // Parameters that name files (optimized_model_path, which ONNX Runtime writes) stay inside
  // the model's folder; the model file itself is checked by each config format's parser.
  if (absl::Status inside = CheckPathParameters(plan.config); !inside.ok()) {
    plan.error = std::string(Message(inside));
    return plan;
  }
  if (absl::Status labels = LoadLabels(folder, plan.config); !labels.ok()) {
    plan.error =
        fmt::format("{}: {}", plan.config.source.empty() ? folder.string() : plan.config.source,
                    Message(labels));
    return plan;
  }
  if (!plan.config.name.empty()) plan.name = plan.config.name;
  plan.config.name = plan.name;

  std::string platform;
  if (!plan.config.platform.empty()) {
    platform = registry.Canonical(plan.config.platform);
    if (platform.empty()) {
      plan.error = fmt::format("{}: platform '{}' has no runtime in this build (available: {})",
                               plan.config.source.empty() ? folder.string() : plan.config.source,
                               plan.config.platform, KnownPlatforms(registry));
      return plan;
    }
    plan.config.platform = platform;
  }

  if (!platform.empty() && !registry.Find(platform)->needs_model_file()) {
    return PlanFilelessVersions(std::move(plan));
  }

  std::error_code ec;
  const std::string single_label =
      plan.config.version_label.empty() ? "1" : plan.config.version_label;
  // MLServer's parameters.uri: a file at the top of the folder, whatever else is there.
  if (!plan.config.model_file.empty() && fs::is_regular_file(folder / plan.config.model_file, ec)) {
    plan.versions.push_back(PlanVersion(single_label, folder, plan.config, platform, registry));
    return plan;
  }
  const std::vector<std::string> numbered = NumberedFolders(folder);
  if (numbered.empty()) {
    if (plan.config.model_file.empty()) {
      absl::StatusOr<fs::path> file = FindModelFile(folder, platform, registry);
      if (!file.ok()) {
        // Nothing that looks like a model at all: a model-level failure, said plainly.
        plan.error = absl::IsNotFound(file.status())
                         ? fmt::format("{}: no version folders (1/, 2/, ...) and no model file",
                                       folder.string())
                         : std::string(Message(file.status()));
        return plan;
      }
    }
    plan.versions.push_back(PlanVersion(single_label, folder, plan.config, platform, registry));
    return plan;
  }
  for (const auto& [version, exists] : SelectVersions(numbered, plan.config.version_policy)) {
    if (!exists) {
      plan.versions.push_back(
          {.version = version,
           .model_path = folder / version,
           .error = fmt::format("{}: version folder not found (the version_policy names it)",
                                (folder / version).string())});
      continue;
    }
    plan.versions.push_back(PlanVersion(version, folder / version, plan.config, platform, registry,
                                        {.defer_to_runtime = true}));
  }
  return plan;
}

}  // namespace tensord

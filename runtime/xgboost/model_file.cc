#include "runtime/xgboost/model_file.h"

#include <string>
#include <system_error>
#include <vector>

#include "fmt/format.h"

namespace tensord::runtime::xgboost {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWellKnown[] = {"model.bst", "model.json", "model.ubj"};

absl::StatusOr<std::vector<std::string>> FilNames(const ModelConfig& config) {
  auto it = config.parameters.find("model_type");
  if (it == config.parameters.end()) return std::vector<std::string>();
  const std::string& type = it->second;
  if (type == "xgboost") return std::vector<std::string>{"xgboost.model"};
  if (type == "xgboost_json") return std::vector<std::string>{"xgboost.json"};
  if (type == "xgboost_ubj") return std::vector<std::string>{"xgboost.ubj"};
  return absl::UnimplementedError(
      fmt::format("model_type '{}' is not supported: tensord serves XGBoost models (model_type "
                  "xgboost, xgboost_json or xgboost_ubj)",
                  type));
}

absl::StatusOr<fs::path> FirstExisting(const fs::path& folder,
                                       const std::vector<std::string>& names) {
  std::string tried;
  for (const std::string& name : names) {
    std::error_code error;
    const fs::path candidate = folder / name;
    if (fs::is_regular_file(candidate, error)) return candidate;
    tried += tried.empty() ? name : ", " + name;
  }
  return absl::NotFoundError(
      fmt::format("no XGBoost model file in '{}' (looked for {})", folder.string(), tried));
}

}  // namespace

absl::StatusOr<fs::path> ResolveModelFile(const fs::path& path, const ModelConfig& config) {
  absl::StatusOr<std::vector<std::string>> fil_names = FilNames(config);
  if (!fil_names.ok()) return fil_names.status();
  std::error_code error;
  if (fs::is_regular_file(path, error)) return path;
  std::vector<std::string> names(std::begin(kWellKnown), std::end(kWellKnown));
  if (fs::is_directory(path, error)) return FirstExisting(path, names);
  if (path.filename() == kDefaultModelFilename) {
    names.insert(names.begin(), fil_names->begin(), fil_names->end());
    return FirstExisting(path.parent_path(), names);
  }
  return absl::NotFoundError(fmt::format("XGBoost model file '{}' does not exist", path.string()));
}

}  // namespace tensord::runtime::xgboost

#include "repository/path_containment.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/model_name.h"

namespace tensord {

bool IsPathParameter(std::string_view key) {
  return std::find(std::begin(kPathParameters), std::end(kPathParameters), key) !=
         std::end(kPathParameters);
}

absl::Status CheckInsideModelFolder(std::string_view field, std::string_view path) {
  const auto refuse = [&](std::string_view why) {
    return absl::InvalidArgumentError(fmt::format(
        "{} '{}' {}; a path in a model's config must stay inside the model's folder (relative, "
        "without '..')",
        field, Printable(path), why));
  };
  if (path.find('\0') != std::string_view::npos) return refuse("contains a NUL byte");
  const std::filesystem::path as_written{std::string(path)};
  if (as_written.has_root_path()) return refuse("is an absolute path");
  for (const std::filesystem::path& segment : as_written) {
    if (segment == "..") return refuse("has a '..' segment");
  }
  return absl::OkStatus();
}

absl::Status CheckPathParameters(const ModelConfig& config) {
  for (const auto& [key, value] : config.parameters) {
    if (!IsPathParameter(key)) continue;
    absl::Status inside = CheckInsideModelFolder(fmt::format("parameter '{}'", key), value);
    if (!inside.ok()) {
      return Annotate(inside, config.source.empty() ? "the model config" : config.source);
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord

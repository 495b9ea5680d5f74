#include "repository/request_files.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/config_pbtxt.h"
#include "repository/path_containment.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace fs = std::filesystem;
namespace {

absl::Status CheckPath(const std::string& path) {
  const std::string field = fmt::format("parameter '{}{}'", kFileParameterPrefix, path);
  if (path.empty() || path.ends_with('/')) {
    return absl::InvalidArgumentError(
        fmt::format("{}: names no file; use a path inside the model's folder such as "
                    "'{}1/model.onnx'",
                    field, kFileParameterPrefix));
  }
  if (absl::Status inside = CheckInsideModelFolder(fmt::format("{}: path", field), path);
      !inside.ok()) {
    return inside;
  }
  const fs::path normal = fs::path(path).lexically_normal();
  if (normal == "config.pbtxt" || normal == "model-settings.json") {
    return absl::InvalidArgumentError(fmt::format(
        "{}: the configuration of a model loaded from files is the 'config' parameter", field));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const fs::path& folder, const ModelFile& file) {
  const std::string field = fmt::format("parameter '{}{}'", kFileParameterPrefix, file.path);
  const fs::path target = folder / fs::path(file.path).lexically_normal();
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        fmt::format("{}: cannot make its folder: {}", field, ec.message()));
  }
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return absl::InvalidArgumentError(
        error == EEXIST ? fmt::format("{}: the file is given twice, or is a folder of another", field)
                        : fmt::format("{}: cannot write it: {}", field, std::strerror(error)));
  }
  size_t written = 0;
  while (written < file.content.size()) {
    const ssize_t n = ::write(fd, file.content.data() + written, file.content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return absl::InternalError(fmt::format("{}: cannot write it: {}", field, std::strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace

StagedModelFolder::~StagedModelFolder() {
  std::error_code ec;
  fs::remove_all(root_, ec);
  if (ec) spdlog::warn("cannot remove the staging folder '{}': {}", root_.string(), ec.message());
}

absl::StatusOr<std::unique_ptr<StagedModelFolder>> StageModelFiles(
    std::string_view model_name, std::string_view config_json, const std::vector<ModelFile>& files) {
  if (config_json.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "a load request with '{}' parameters must also carry the model's whole configuration as "
        "the 'config' parameter (JSON)",
        kFileParameterPrefix));
  }
  if (files.size() > kMaxRequestFiles) {
    return absl::InvalidArgumentError(fmt::format(
        "the load request carries {} files; at most {} are accepted", files.size(), kMaxRequestFiles));
  }
  for (const ModelFile& file : files) {
    if (absl::Status s = CheckPath(file.path); !s.ok()) return s;
  }
  absl::StatusOr<std::string> config_text =
      TritonConfigJsonToText(config_json, model_name, "config");
  if (!config_text.ok()) return config_text.status();

  std::error_code ec;
  std::string pattern = (fs::temp_directory_path(ec) / "tensord-load-XXXXXX").string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        fmt::format("cannot make a staging folder for the model's files in '{}': {}",
                    fs::path(pattern).parent_path().string(), std::strerror(errno)));
  }
  auto staged = std::make_unique<StagedModelFolder>(fs::path(pattern),
                                                    fs::path(pattern) / std::string(model_name));
  fs::create_directory(staged->folder(), ec);
  if (ec) return absl::InternalError(fmt::format("cannot make '{}': {}", staged->folder().string(), ec.message()));
  for (const ModelFile& file : files) {
    if (absl::Status s = WriteFile(staged->folder(), file); !s.ok()) return s;
  }
  if (absl::Status s = WriteFile(staged->folder(), {.path = "config.pbtxt", .content = *config_text});
      !s.ok()) {
    return s;
  }
  return staged;
}

}  // namespace tensord

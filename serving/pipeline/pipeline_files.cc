#include "serving/pipeline/pipeline_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/model_repository.h"
#include "serving/pipeline/pipeline_runtime.h"
#include "serving/pipeline/pipeline_spec.h"
#include "spdlog/spdlog.h"

namespace tensord {

namespace {

std::string JsonEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

absl::Status PipelineLoader::LoadFile(const std::filesystem::path& path, std::string* name) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        fmt::format("{}: cannot be read: {}", path.string(), std::strerror(errno)));
  }
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(text.str(), path.string());
  if (!spec.ok()) return spec.status();
  *name = spec->name + std::string(kPipelineSuffix);
  {
    std::lock_guard lock(mutex_);
    files_[*name] = path;
  }
  spdlog::info("model '{}': loading the pipeline in '{}'", *name, path.string());
  const ModelLoadOptions options{
      // The file's own path, for messages (the runtime reads a staged copy).
      .config_json = fmt::format(
          R"({{"name": "{}", "platform": "seldon_pipeline", "parameters": {{"{}": {{"string_value": "{}"}}}}}})",
          *name, kPipelineFileParameter, JsonEscaped(path.string())),
      .files = {{.path = std::string(kPipelineFile), .content = text.str()}}};
  return repository_.Load(*name, options);
}

void PipelineLoader::LoadFiles(const std::vector<std::filesystem::path>& files) {
  for (const std::filesystem::path& path : files) {
    std::string name;
    if (absl::Status loaded = LoadFile(path, &name); !loaded.ok()) {
      spdlog::error("--pipeline {}: {}", path.string(), Message(loaded));
    }
  }
}

void PipelineLoader::Reload(const std::string& pipeline, std::string_view why) {
  std::filesystem::path file;
  {
    std::lock_guard lock(mutex_);
    if (auto found = files_.find(pipeline); found != files_.end()) file = found->second;
  }
  spdlog::info("model '{}': loading the pipeline again now that {}", pipeline, why);
  std::string name;
  absl::Status loaded = file.empty() ? repository_.Load(pipeline) : LoadFile(file, &name);
  if (!loaded.ok()) spdlog::info("model '{}': {}", pipeline, Message(loaded));
}

void PipelineLoader::ModelLoaded(std::string_view model) {
  for (const std::string& pipeline : runtime_.TakeWaitingFor(model)) {
    Reload(pipeline, fmt::format("model '{}' is loaded", model));
  }
}

void PipelineLoader::RetryWaiting() {
  for (const std::string& pipeline : runtime_.TakeLoadable()) {
    Reload(pipeline, "its models are loaded");
  }
}

}  // namespace tensord

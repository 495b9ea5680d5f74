#include "serving/pipeline/pipeline_files.h"

#include <fstream>
#include <sstream>
#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/model_repository.h"
#include "serving/pipeline/pipeline_runtime.h"
#include "serving/pipeline/pipeline_spec.h"
#include "spdlog/spdlog.h"

namespace tensord {

void LoadPipelineFiles(ModelRepository& repository,
                       const std::vector<std::filesystem::path>& files) {
  for (const std::filesystem::path& path : files) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      spdlog::error("--pipeline {}: cannot be read: {}", path.string(), std::strerror(errno));
      continue;
    }
    std::stringstream text;
    text << file.rdbuf();
    absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(text.str(), path.string());
    if (!spec.ok()) {
      spdlog::error("--pipeline {}: {}", path.string(), Message(spec.status()));
      continue;
    }
    const std::string name = spec->name + std::string(kPipelineSuffix);
    spdlog::info("model '{}': loading the pipeline in '{}'", name, path.string());
    const ModelLoadOptions options{
        .config_json = fmt::format(R"({{"name": "{}", "platform": "seldon_pipeline"}})", name),
        .files = {{.path = std::string(kPipelineFile), .content = text.str()}}};
    if (absl::Status loaded = repository.Load(name, options); !loaded.ok()) {
      spdlog::error("--pipeline {}: {}", path.string(), Message(loaded));
    }
  }
}

}  // namespace tensord

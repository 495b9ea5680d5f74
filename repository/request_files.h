// Triton's load from memory: a load request that carries a model's files ("file:<path>"
// parameters, e.g. "file:1/model.onnx") and its whole configuration ("config", JSON) is
// loaded from a private staging folder, not from the repository's folder.
//
//   absl::StatusOr<std::unique_ptr<StagedModelFolder>> staged =
//       StageModelFiles("mlp", options.config_json, options.files);
//   ModelFolderPlan plan = ScanModelFolder((*staged)->folder(), registry);   // then load it
//   // the staging folder is removed with `staged` (the model is in memory by then)
//
// The files stay inside the model's folder: every path is relative, without "..", a file
// (not a folder), and neither config.pbtxt nor model-settings.json (the configuration is the
// "config" parameter). A request carries at most kMaxRequestFiles files; their sizes are
// bounded by the frontends' message limits. The folder is made with mkdtemp under the
// system's temporary directory ($TMPDIR), mode 0700; files are created 0600, never through
// a symbolic link and never twice. Errors are InvalidArgument naming the parameter.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/inference_service.h"

namespace tensord {

inline constexpr size_t kMaxRequestFiles = 256;

class StagedModelFolder {
 public:
  explicit StagedModelFolder(std::filesystem::path root, std::filesystem::path folder)
      : root_(std::move(root)), folder_(std::move(folder)) {}
  ~StagedModelFolder();
  StagedModelFolder(const StagedModelFolder&) = delete;
  StagedModelFolder& operator=(const StagedModelFolder&) = delete;

  // <staging root>/<model name>: what ScanModelFolder reads.
  const std::filesystem::path& folder() const { return folder_; }

 private:
  std::filesystem::path root_;
  std::filesystem::path folder_;
};

absl::StatusOr<std::unique_ptr<StagedModelFolder>> StageModelFiles(
    std::string_view model_name, std::string_view config_json, const std::vector<ModelFile>& files);

}  // namespace tensord

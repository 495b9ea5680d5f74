// Loads pipelines beyond what the repository's own loads do: the files of tensord's
// repeatable --pipeline FILE flag, and, as Seldon deploys a pipeline before its models, the
// pipelines that failed for want of a model once that model is loaded.
//
//   PipelineLoader loader(repository, pipeline_runtime);
//   loader.LoadFiles({"deploy/chain.yaml"});   // after the start-up loads
//   ...
//   loader.ModelLoaded("ident");               // after each successful load (explicit mode)
//
// A file is loaded as "<metadata.name>.pipeline" from a copy of it, through the repository's
// load-from-files path (repository/request_files.h), so it is then a model like a folder's
// pipeline (index, readiness, reasons, unload). A file that cannot be read or parsed is
// logged with its file:line and skipped (it has no name to be listed under). In poll mode
// the repository forgets models that have no folder, so a pipeline there belongs in a folder.
// Thread-safe; loads run on the caller's thread.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace tensord {

class ModelRepository;
class PipelineRuntime;

class PipelineLoader {
 public:
  PipelineLoader(ModelRepository& repository, PipelineRuntime& runtime)
      : repository_(repository), runtime_(runtime) {}

  void LoadFiles(const std::vector<std::filesystem::path>& files);
  // For load requests, which load a pipeline's step models first (LoadWithStepModels).
  PipelineRuntime& runtime() const { return runtime_; }
  // Loads again the pipelines whose last load failed because `model` was not there.
  void ModelLoaded(std::string_view model);
  // After a repository poll: loads again those whose missing models are all ready now.
  void RetryWaiting();

 private:
  // Loads one file; `name` gets the pipeline's served name once the file parsed.
  absl::Status LoadFile(const std::filesystem::path& path, std::string* name);
  void Reload(const std::string& pipeline, std::string_view why);

  ModelRepository& repository_;
  PipelineRuntime& runtime_;
  std::mutex mutex_;
  std::map<std::string, std::filesystem::path> files_ ABSL_GUARDED_BY(mutex_);  // by name
};

}  // namespace tensord

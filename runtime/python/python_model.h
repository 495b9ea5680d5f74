// A loaded python model: its completed configuration and how its workers start. Load starts
// one worker and waits for its load() (so a broken model fails its load, with the reason);
// that worker becomes the first instance, the others start without waiting.
//
//   absl::StatusOr<ModelPtr> model = PythonModel::Load(config, model_path, options, forker);
//
// Configuration completion: a model-settings.json that declares no inputs (outputs) takes
// any (returns whatever predict() returns), as MLServer does (ModelConfig::any_inputs,
// any_outputs); the instance count, when the file names no parallel_workers, comes from the
// repository's settings.json (MLServer's server-wide parallel_workers), then the server's
// --parallel-workers, then the usable cores.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "runtime/python/python_runtime.h"
#include "runtime/python/shm_arena.h"
#include "runtime/python/worker_launch.h"
#include "runtime/runtime.h"

namespace tensord::runtime::python {

class PythonModel : public Model {
 public:
  static absl::StatusOr<ModelPtr> Load(const ModelConfig& config,
                                       const std::filesystem::path& model_path,
                                       const PythonRuntimeOptions& options,
                                       std::shared_ptr<Forker> forker);

  const ModelConfig& config() const override { return config_; }
  absl::StatusOr<InstancePtr> CreateInstance(const InstanceOptions& options) override;

 private:
  PythonModel(ModelConfig config, std::shared_ptr<const WorkerLaunch> launch)
      : config_(std::move(config)), launch_(std::move(launch)) {}

  ModelConfig config_;
  std::shared_ptr<const WorkerLaunch> launch_;
  std::mutex mutex_;
  // The worker Load waited for, handed to the first instance.
  std::unique_ptr<ShmArena> first_arena_;
  std::unique_ptr<WorkerProcess> first_worker_;
};

}  // namespace tensord::runtime::python

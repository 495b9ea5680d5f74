#include "serving/ensemble/load_with_steps.h"

#include <string>
#include <vector>

#include "core/status_util.h"
#include "repository/model_repository.h"
#include "serving/ensemble/ensemble_runtime.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

absl::Status Load(ModelRepository& repository, EnsembleRuntime& ensembles, std::string_view name,
                  const ModelLoadOptions& options, int depth) {
  absl::Status loaded = repository.Load(name, options);
  if (loaded.ok()) return loaded;
  const std::vector<std::string> steps = ensembles.TakeUnloadedSteps(name);
  if (steps.empty() || depth >= kMaxEnsembleNesting) return loaded;
  for (const std::string& step : steps) {
    spdlog::info("model '{}': loading its step model '{}' first", name, step);
    if (absl::Status step_loaded = Load(repository, ensembles, step, {}, depth + 1);
        !step_loaded.ok()) {
      spdlog::error("{}", Message(step_loaded));
    }
  }
  return repository.Load(name, options);
}

}  // namespace

absl::Status LoadWithStepModels(ModelRepository& repository, EnsembleRuntime& ensembles,
                                std::string_view name, const ModelLoadOptions& options) {
  return Load(repository, ensembles, name, options, 0);
}

}  // namespace tensord

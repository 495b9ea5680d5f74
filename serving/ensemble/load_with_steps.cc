#include "serving/ensemble/load_with_steps.h"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "core/status_util.h"
#include "repository/model_repository.h"
#include "serving/ensemble/ensemble_runtime.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

absl::Status Load(ModelRepository& repository, std::span<StepModelSource* const> sources,
                  std::string_view name, const ModelLoadOptions& options, int depth) {
  absl::Status loaded = repository.Load(name, options);
  if (loaded.ok()) return loaded;
  std::vector<std::string> steps;
  for (StepModelSource* source : sources) {
    for (std::string& step : source->TakeUnloadedSteps(name)) {
      if (std::find(steps.begin(), steps.end(), step) == steps.end()) {
        steps.push_back(std::move(step));
      }
    }
  }
  if (steps.empty() || depth >= kMaxEnsembleNesting) return loaded;
  for (const std::string& step : steps) {
    spdlog::info("model '{}': loading its step model '{}' first", name, step);
    if (absl::Status step_loaded = Load(repository, sources, step, {}, depth + 1);
        !step_loaded.ok()) {
      spdlog::error("{}", Message(step_loaded));
    }
  }
  return repository.Load(name, options);
}

}  // namespace

absl::Status LoadWithStepModels(ModelRepository& repository,
                                std::initializer_list<StepModelSource*> sources,
                                std::string_view name, const ModelLoadOptions& options) {
  return Load(repository, std::span<StepModelSource* const>(sources.begin(), sources.size()), name,
              options, 0);
}

absl::Status LoadWithStepModels(ModelRepository& repository, EnsembleRuntime& ensembles,
                                std::string_view name, const ModelLoadOptions& options) {
  return LoadWithStepModels(repository, {&ensembles}, name, options);
}

}  // namespace tensord

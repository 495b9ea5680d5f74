// Loads a model and, when it is a composite (a Triton ensemble, a Seldon pipeline) whose
// step models are not loaded (explicit model control), those step models first and then it
// again, as Triton loads an ensemble's composing models.
//
//   absl::Status loaded = LoadWithStepModels(repo, {&ensembles, &pipelines}, "ens", options);
//
// Each source (serving/ensemble/step_model_source.h) names the steps its last load of the
// model missed. Steps that are themselves composites get the same treatment, up to
// kMaxEnsembleNesting levels. The status is the composite's last load; a step model that
// fails to load makes the composite's error name it ("step model 'pre' is not ready: ...",
// "unknown model 'nope' ..."). Runs on the caller's thread (the load executor's).
#pragma once

#include <initializer_list>
#include <string_view>

#include "absl/status/status.h"
#include "core/inference_service.h"

namespace tensord {

class ModelRepository;
class EnsembleRuntime;
class StepModelSource;

inline constexpr int kMaxEnsembleNesting = 4;

absl::Status LoadWithStepModels(ModelRepository& repository,
                                std::initializer_list<StepModelSource*> sources,
                                std::string_view name, const ModelLoadOptions& options = {});
// Ensembles only.
absl::Status LoadWithStepModels(ModelRepository& repository, EnsembleRuntime& ensembles,
                                std::string_view name, const ModelLoadOptions& options = {});

}  // namespace tensord

// Loads a model and, when it is an ensemble whose step models are in the repository but not
// loaded (explicit model control), those step models first, as Triton loads an ensemble's
// composing models.
//
//   absl::Status loaded = LoadWithStepModels(repo, ensembles, "ens", options);
//
// Steps that are themselves ensembles get the same treatment, up to kMaxEnsembleNesting
// levels. The status is the ensemble's last load; a step model that fails to load makes the
// ensemble's error name it ("step model 'pre' is not ready: ..."). Runs on the caller's
// thread (the load executor's).
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "core/inference_service.h"

namespace tensord {

class ModelRepository;
class EnsembleRuntime;

inline constexpr int kMaxEnsembleNesting = 4;

absl::Status LoadWithStepModels(ModelRepository& repository, EnsembleRuntime& ensembles,
                                std::string_view name, const ModelLoadOptions& options = {});

}  // namespace tensord

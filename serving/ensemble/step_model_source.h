// A runtime of composite models (Triton ensembles, Seldon pipelines) that can tell which of
// a composite's step models its last load found in the repository but not loaded, so that
// a load request can load those first (LoadWithStepModels, serving/ensemble/
// load_with_steps.h), as Triton loads an ensemble's composing models.
//
//   class EnsembleRuntime : public runtime::Runtime, public StepModelSource { ... };
//   for (const std::string& step : source.TakeUnloadedSteps("ens")) repository.Load(step);
//
// Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tensord {

class StepModelSource {
 public:
  virtual ~StepModelSource() = default;
  // The step models that the last load of `composite` missed; clears them. Empty when it
  // is not one of this runtime's models or missed none.
  virtual std::vector<std::string> TakeUnloadedSteps(std::string_view composite) = 0;
};

}  // namespace tensord

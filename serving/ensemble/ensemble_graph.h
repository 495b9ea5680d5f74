// Plans a Triton ensemble (platform "ensemble", ensemble_scheduling): checks that its steps
// fit together and works out which step waits for which. Pure: it sees the step models only
// through `lookup`, so it is tested without a repository.
//
//   absl::StatusOr<EnsembleGraph> graph = PlanEnsemble(config, [&](const EnsembleStep& step) {
//     return ConfigOfLoadedModel(step.model_name, step.model_version);
//   });
//   for (size_t s : graph->initial) { /* steps that need only ensemble inputs: start them */ }
//   // when step s finishes: every c in graph->consumers[s] has one producer less to wait
//   // for (graph->producer_count[c]); at zero it starts.
//
// Load errors (InvalidArgument unless the lookup's own code says otherwise) name the step as
// "ensemble step N ('model')" and the tensor:
//   - a step model the lookup does not know (its NotFound) or that is not ready (its
//     Unavailable), with the lookup's message;
//   - an input_map / output_map key that is not an input / output of the step model, and a
//     required step model input that no input_map entry feeds;
//   - a tensor consumed but never produced (neither an ensemble input nor a step's output);
//   - a tensor produced twice (by two steps, or by a step and the ensemble's inputs);
//   - an ensemble output that no step produces;
//   - steps waiting on each other (a cycle), naming a tensor on the cycle;
//   - datatypes that differ between a producer and a consumer where both are known, and
//     shapes (with the batch dimension when a side batches) that cannot match: another rank,
//     or a fixed size against another fixed size.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model_config.h"

namespace tensord {

struct EnsembleGraph {
  // Indexed like config.ensemble_steps.
  std::vector<std::vector<size_t>> consumers;  // steps fed by this step's outputs (distinct)
  std::vector<size_t> producer_count;          // distinct steps this step waits for
  std::vector<size_t> initial;                 // steps with producer_count 0
  std::vector<size_t> order;                   // every step, producers before consumers
};

// The configuration a step's model serves (its completed config), or the lookup's error.
using StepConfigLookup = std::function<absl::StatusOr<ModelConfig>(const EnsembleStep& step)>;

absl::StatusOr<EnsembleGraph> PlanEnsemble(const ModelConfig& ensemble,
                                           const StepConfigLookup& lookup);

// "ensemble step 2 ('add_sub')": how errors name the step at `index` (0-based).
std::string StepLabel(const ModelConfig& ensemble, size_t index);

}  // namespace tensord

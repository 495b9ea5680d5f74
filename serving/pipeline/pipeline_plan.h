// Plans a Seldon pipeline against the step models as they are loaded: resolves every
// reference to a step (or the pipeline's inputs) and the tensors it brings, renames them
// with tensorMap, and works out what the pipeline serves (its inputs and outputs, as a
// ModelConfig). Pure: step models are seen only through `lookup`.
//
//   absl::StatusOr<PipelinePlan> plan = PlanPipeline(spec, "chain.pipeline",
//       [&](std::string_view model) { return ConfigOfHighestReadyVersion(model); });
//   // plan->config: name, inputs, outputs the pipeline serves; plan->steps: what each runs.
//
// Load errors (InvalidArgument, "<file>:<line>: step 'b': ...", unless the lookup's own code
// says otherwise): a step model the lookup does not know or is not ready; a reference to
// no step; the pipeline's own outputs used as an input; a tensor that is not an output (or
// input) of the model named; a tensor a step is given that its model does not take, a
// required model input nothing feeds, an input fed twice (inner join); datatypes that differ
// between producer and consumer; a pipeline input two steps want with different types;
// steps waiting on each other (a cycle, the path spelled out); no spec.output, or two
// outputs of one name.
//
// Pipeline inputs: a tensor a step consumes from `<pipeline>.inputs` takes the type and
// shape of the step model's input; it is required when a step that has no triggers takes it
// with an inner join and its model requires it, optional otherwise (the steps that need it
// are then skipped when it is missing). A pipeline input used only as a trigger is declared
// optional, of any datatype and one dimension.
//
// Models that declare no inputs or no outputs (ModelConfig::any_inputs / any_outputs with
// none listed: MLServer models whose model-settings.json has no "inputs"/"outputs", which
// Seldon pipelines run as any other) are open: a step on such a model takes any tensor it is
// given, and references to its outputs (one by name, or all) are checked at run time. A
// pipeline whose inputs reach an open step, or whose outputs come from one, is open in the
// same way (it declares no inputs, or no outputs), and its steps check what they receive.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "serving/pipeline/pipeline_spec.h"

namespace tensord {

inline constexpr std::string_view kPipelinePlatform = "seldon_pipeline";
inline constexpr size_t kFromPipeline = static_cast<size_t>(-1);

// One tensor a reference brings: its name where it is made, its name where it arrives.
struct PlannedFeed {
  std::string from;
  std::string to;
};

struct PlannedRef {
  std::string text;                // as written
  size_t step = kFromPipeline;     // the producer's index, or the pipeline's inputs
  bool inputs = false;             // the producer's given inputs rather than its outputs
  std::string tensor;              // one tensor, or "" for all
  std::vector<PlannedFeed> feeds;  // data references only (not triggers)
  // "All" of a source whose tensors are known only at run time (a model that declares no
  // outputs, as MLServer models may; or the pipeline's inputs given to a model that declares
  // no inputs): every tensor the source has then, under the name `rename` gives it (the
  // tensorMap entries of this reference, by the source's name), else its own. `feeds` is
  // empty then.
  bool every_tensor = false;
  std::map<std::string, std::string> rename;
};

struct PlannedStep {
  std::string model;
  std::vector<PlannedRef> inputs;
  std::vector<PlannedRef> triggers;
  JoinType inputs_join = JoinType::kInner;
  JoinType triggers_join = JoinType::kInner;
};

struct PipelinePlan {
  std::string name;                // the pipeline's (metadata.name)
  std::vector<PlannedStep> steps;  // spec order
  std::vector<PlannedRef> outputs;
  JoinType outputs_join = JoinType::kInner;
  ModelConfig config;  // what the pipeline serves: inputs, outputs, platform, name
};

using PipelineModelLookup = std::function<absl::StatusOr<ModelConfig>(std::string_view model)>;

absl::StatusOr<PipelinePlan> PlanPipeline(const PipelineSpec& spec, std::string_view served_name,
                                          const PipelineModelLookup& lookup);

}  // namespace tensord

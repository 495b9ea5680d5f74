// Triton's config.pbtxt, parsed into tensord's ModelConfig.
//
//   absl::StatusOr<ModelConfig> config =
//       ParseTritonConfig(text, "models/mlp/config.pbtxt");   // path is for messages only
//
// Any config written for Triton parses: fields tensord does not model are skipped (logged
// at debug level). Errors are InvalidArgument naming the file and the field, with
// "FILE:LINE:COL: " for syntax errors; features tensord cannot honour (sequence batching,
// decoupled models, batch inputs) are Unimplemented. ensemble_scheduling (platform "ensemble"
// only) becomes ModelConfig::ensemble_steps; serving/ensemble/ checks and runs the steps.
//
// Mapping decisions:
//   - platform keeps the spelling given; when empty, backend is used ("onnxruntime"). The
//     runtime registry resolves aliases when the model loads.
//   - reshape is not applied: the model receives the shape the client sends (`dims`). A
//     config with reshape loads, with a warning; the runtime rejects it if the model file
//     disagrees.
//   - instance_group: counts of all groups add up (count 0 means 1, as in Triton). KIND_GPU
//     groups run on the CPU, with a warning: tensord has no GPU instances, and refusing the
//     config would make most real Triton repositories unusable. Passive groups are skipped.
//   - data_type TYPE_INVALID (or absent) and empty dims are left for the runtime to complete
//     from the model file.
// Limits (issue 10): text nested deeper than kMaxNestingDepth (repository/nesting_depth.h)
// is refused before protobuf parses it; default_model_filename must stay inside the model's
// folder (repository/path_containment.h); instance_group counts add up without overflow (the
// server's --max-instances-per-model is checked at load); max_queue_delay_microseconds is at
// most 60 s and default_timeout_microseconds saturates (scheduler/duration.h).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "core/model_config.h"

namespace tensord {

absl::StatusOr<ModelConfig> ParseTritonConfig(std::string_view text, std::string_view source_path);

// The same configuration written as JSON with Triton's field names (what Triton's model
// configuration extension returns and its load API accepts: {"max_batch_size": 8,
// "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": [4]}]}). Unknown fields are
// InvalidArgument naming them; `source` prefixes messages.
absl::StatusOr<ModelConfig> ParseTritonConfigJson(std::string_view json, std::string_view source);

// That JSON as config.pbtxt text, with `name` filled in when the JSON leaves it out
// (a load from memory writes it into the model's staged folder). InvalidArgument for JSON
// that is not a model configuration, or that names another model.
absl::StatusOr<std::string> TritonConfigJsonToText(std::string_view json, std::string_view name,
                                                   std::string_view source);

}  // namespace tensord

// MLServer's model-settings.json, parsed into tensord's ModelConfig.
//
//   absl::StatusOr<ModelConfig> config =
//       ParseModelSettings(json_text, "models/iris/model-settings.json");  // path for messages
//
// Fields read: name, implementation, parameters.{uri, version, extra}, inputs, outputs,
// max_batch_size, max_batch_time (seconds), parallel_workers. Other fields are ignored.
// Errors are InvalidArgument naming the file and the field
// ("models/m/model-settings.json: inputs[1].datatype: 'FLOAT' is not a datatype").
// The whole text is kept in config.mlserver_settings for the python runtime.
//
// Mapping decisions:
//   - implementation: absent or "mlserver_onnx..." -> "onnxruntime_onnx" when the uri ends in
//     .onnx (absent: otherwise left empty, the repository derives it from the model file);
//     "mlserver_xgboost.XGBoostModel" -> "xgboost"; anything else (mlserver_sklearn, custom
//     "<module>.<Class>") is kept as the platform: the registry maps it to the python runtime
//     (runtime/python/), or the repository reports that no runtime serves it.
//   - Shapes in model-settings.json include the batch dimension. Batching is on only when
//     max_batch_size > 1 and max_batch_time > 0 (as in MLServer); then config.max_batch_size
//     is set and the first dimension, which must be -1, is dropped from every shape to follow
//     Triton's convention (core/model_config.h). Otherwise max_batch_size is 0 and shapes are
//     kept whole.
//   - parameters.extra values become strings: strings as they are, anything else as JSON text.
//   - parallel_workers sets the instance count (0: the server default).
// Limits (issue 10): JSON nested deeper than kMaxNestingDepth (repository/nesting_depth.h)
// is refused before it is parsed; parameters.uri must stay inside the model's folder
// (repository/path_containment.h); max_batch_time is at most 60 s (scheduler/duration.h);
// the server's --max-instances-per-model applies to parallel_workers at load.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "core/model_config.h"

namespace tensord {

absl::StatusOr<ModelConfig> ParseModelSettings(std::string_view json_text,
                                               std::string_view source_path);

}  // namespace tensord

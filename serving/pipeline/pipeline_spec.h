// Seldon Core 2's Pipeline resource as tensord reads it from a pipeline.yaml (a model
// repository folder) or a --pipeline file: the fields Seldon documents, nothing planned yet.
//
//   absl::StatusOr<PipelineSpec> spec = ParsePipelineSpec(text, "models/chain/pipeline.yaml");
//   for (const PipelineStepSpec& step : spec->steps) { /* step.name is a model's name */ }
//
//   apiVersion: mlops.seldon.io/v1alpha1
//   kind: Pipeline
//   metadata: {name: chain}
//   spec:
//     steps:
//       - name: model1                      # no inputs: the pipeline's inputs
//       - name: model2
//         inputs: [model1]                  # = model1.outputs: all of model1's outputs
//         tensorMap: {model1.outputs.OUTPUT0: INPUT0}
//     output: {steps: [model2]}
//
// References ("inputs", "triggers", "output.steps"): `<step>`, `<step>.outputs`,
// `<step>.outputs.<tensor>`, `<step>.inputs[.<tensor>]` (what that step was given), and
// `<pipeline>.inputs[.<tensor>]`. Join types: inner (default), outer, any. joinWindowMs and
// batch are read and checked; in process no message waits for a window, and batching is the
// step models' own (their dynamic batching).
//
// Errors are InvalidArgument "<file>:<line>: <field>: <problem>" (lines from 1): malformed
// YAML, a wrong apiVersion or kind, a missing or mistyped field, an unknown field (a typo
// would otherwise be ignored), a bad reference or join type, duplicate step names. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tensord {

inline constexpr std::string_view kPipelineApiVersion = "mlops.seldon.io/v1alpha1";
// A pipeline is served under this suffix, as Seldon's mesh routes "<name>.pipeline".
inline constexpr std::string_view kPipelineSuffix = ".pipeline";

enum class JoinType { kInner, kOuter, kAny };
std::string_view JoinTypeName(JoinType type);

struct TensorRef {
  std::string text;     // as written, for messages
  std::string step;     // a step's name, or the pipeline's (its inputs)
  bool inputs = false;  // "<step>.inputs...": what the step was given; else its outputs
  std::string tensor;   // empty: all of them
  int line = 0;
  // "<step>.<inputs|outputs>.<tensor>": the form tensorMap keys take.
  std::string Qualified(std::string_view tensor_name) const;
};

struct PipelineStepSpec {
  std::string name;
  std::vector<TensorRef> inputs;  // empty in the file: the pipeline's inputs
  std::map<std::string, std::string> tensor_map;
  std::vector<TensorRef> triggers;
  JoinType inputs_join = JoinType::kInner;
  JoinType triggers_join = JoinType::kInner;
  std::optional<uint32_t> join_window_ms;
  std::optional<uint32_t> batch_size;
  std::optional<uint32_t> batch_window_ms;
  int line = 0;
};

struct PipelineOutputSpec {
  std::vector<TensorRef> steps;
  std::map<std::string, std::string> tensor_map;
  JoinType steps_join = JoinType::kInner;
  int line = 0;
};

struct PipelineSpec {
  std::string file;  // for messages
  std::string name;  // metadata.name
  std::vector<PipelineStepSpec> steps;
  std::optional<PipelineOutputSpec> output;
};

absl::StatusOr<PipelineSpec> ParsePipelineSpec(std::string_view text, std::string_view file);

// Parses one reference as written in `pipeline`'s spec; InvalidArgument naming `field`.
absl::StatusOr<TensorRef> ParseTensorRef(std::string_view text, std::string_view field,
                                         std::string_view file, int line);

}  // namespace tensord

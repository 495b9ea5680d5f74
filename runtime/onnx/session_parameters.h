// Session settings a model config may give as string parameters (Triton's `parameters`,
// MLServer's `parameters.extra`), parsed once at Load, and the Ort::SessionOptions built
// from them for each instance.
//
//   absl::StatusOr<SessionParameters> p = ParseSessionParameters(config.parameters);
//   Ort::SessionOptions options = MakeSessionOptions(*p, instance_options, {.model_dir = dir});
//
// Recognised keys (others are ignored: a config may carry parameters for other parts):
//   intra_op_thread_count   int >= 0; 0 lets ONNX Runtime pick (one per core)
//   inter_op_thread_count   int >= 0; only used with execution_mode parallel
//   graph_optimization_level  disable | basic | extended | layout | all, or Triton's
//                           integers: -1 basic, 1 extended, 2 disable, 0 all (Triton's
//                           default). Default: all.
//   execution_mode          sequential | parallel, or Triton's 0 | 1
//   enable_mem_arena        1/0/true/false: the CPU arena (fast, but it never shrinks)
//   enable_mem_pattern      1/0/true/false
//   optimized_model_path    where to save the optimized graph (relative paths are
//                           relative to the model file's folder); written once, at Load
// The thread counts override InstanceOptions.
// A parameter whose value names a file on the server must be listed in
// repository/path_containment.h (kPathParameters): the repository refuses it in load
// requests and keeps it inside the model's folder (relative, no "..") in config files, so a
// runtime only ever sees contained paths (issue 10: a load request made ONNX Runtime
// overwrite any file).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "onnxruntime_cxx_api.h"
#include "runtime/runtime.h"

namespace tensord::runtime::onnx {

struct SessionParameters {
  std::optional<int> intra_op_threads;
  std::optional<int> inter_op_threads;
  std::optional<GraphOptimizationLevel> optimization_level;
  std::optional<ExecutionMode> execution_mode;
  std::optional<bool> enable_mem_arena;
  std::optional<bool> enable_mem_pattern;
  std::filesystem::path optimized_model_path;  // empty: do not save
};

// InvalidArgument naming the parameter and the accepted values for a bad value.
absl::StatusOr<SessionParameters> ParseSessionParameters(
    const std::map<std::string, std::string>& parameters);

struct SessionOptionsContext {
  // Folder of the model file: external weights resolve against it (sessions are created
  // from bytes in memory, so ONNX Runtime cannot know the file's folder otherwise).
  std::filesystem::path model_dir;
  // Save the optimized graph to parameters.optimized_model_path (only one session should,
  // so that concurrent instance creation never writes the same file twice).
  bool save_optimized_model = false;
};

// Throws Ort::Exception (call it inside GuardOrt).
Ort::SessionOptions MakeSessionOptions(const SessionParameters& parameters,
                                       const InstanceOptions& instance,
                                       const SessionOptionsContext& context);

}  // namespace tensord::runtime::onnx

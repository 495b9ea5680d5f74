#include "runtime/onnx/session_parameters.h"

#include <charconv>
#include <string_view>

#include "fmt/format.h"
#include "onnxruntime_session_options_config_keys.h"

namespace tensord::runtime::onnx {
namespace {

absl::Status BadValue(std::string_view key, std::string_view value, std::string_view expected) {
  return absl::InvalidArgumentError(
      fmt::format("parameter '{}' has value '{}'; expected {}", key, value, expected));
}

absl::StatusOr<int> ParseThreadCount(std::string_view key, std::string_view value) {
  int count = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, count);
  if (ec != std::errc() || ptr != end || count < 0 || count > 1024) {
    return BadValue(key, value, "an integer from 0 (ONNX Runtime's default) to 1024");
  }
  return count;
}

absl::StatusOr<bool> ParseBool(std::string_view key, std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return BadValue(key, value, "1, 0, true or false");
}

absl::StatusOr<GraphOptimizationLevel> ParseOptimizationLevel(std::string_view key,
                                                              std::string_view value) {
  // Triton's integers first: its onnxruntime backend maps -1 to basic, 1 to extended,
  // 2 to disabled, anything else (0 by default) to all.
  if (value == "disable" || value == "2") return ORT_DISABLE_ALL;
  if (value == "basic" || value == "-1") return ORT_ENABLE_BASIC;
  if (value == "extended" || value == "1") return ORT_ENABLE_EXTENDED;
  if (value == "layout") return ORT_ENABLE_LAYOUT;
  if (value == "all" || value == "0") return ORT_ENABLE_ALL;
  return BadValue(key, value, "disable, basic, extended, layout or all (or Triton's 2, -1, 1, 0)");
}

absl::StatusOr<ExecutionMode> ParseExecutionMode(std::string_view key, std::string_view value) {
  if (value == "sequential" || value == "0") return ORT_SEQUENTIAL;
  if (value == "parallel" || value == "1") return ORT_PARALLEL;
  return BadValue(key, value, "sequential, parallel, 0 or 1");
}

}  // namespace

absl::StatusOr<SessionParameters> ParseSessionParameters(
    const std::map<std::string, std::string>& parameters) {
  SessionParameters out;
  for (const auto& [key, value] : parameters) {
    if (key == "intra_op_thread_count") {
      absl::StatusOr<int> n = ParseThreadCount(key, value);
      if (!n.ok()) return n.status();
      out.intra_op_threads = *n;
    } else if (key == "inter_op_thread_count") {
      absl::StatusOr<int> n = ParseThreadCount(key, value);
      if (!n.ok()) return n.status();
      out.inter_op_threads = *n;
    } else if (key == "graph_optimization_level") {
      absl::StatusOr<GraphOptimizationLevel> level = ParseOptimizationLevel(key, value);
      if (!level.ok()) return level.status();
      out.optimization_level = *level;
    } else if (key == "execution_mode") {
      absl::StatusOr<ExecutionMode> mode = ParseExecutionMode(key, value);
      if (!mode.ok()) return mode.status();
      out.execution_mode = *mode;
    } else if (key == "enable_mem_arena" || key == "enable_mem_pattern") {
      absl::StatusOr<bool> on = ParseBool(key, value);
      if (!on.ok()) return on.status();
      (key == "enable_mem_arena" ? out.enable_mem_arena : out.enable_mem_pattern) = *on;
    } else if (key == "optimized_model_path") {
      if (value.empty()) return BadValue(key, value, "a file path");
      out.optimized_model_path = value;
    }
  }
  return out;
}

Ort::SessionOptions MakeSessionOptions(const SessionParameters& parameters,
                                       const InstanceOptions& instance,
                                       const SessionOptionsContext& context) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(parameters.intra_op_threads.value_or(instance.intra_op_threads));
  options.SetInterOpNumThreads(parameters.inter_op_threads.value_or(instance.inter_op_threads));
  // Spinning idle threads burn the cores other instances need (shared/ORT.md: p99 10-30x
  // worse with intra_op=2 on 2 shared cores).
  const char* spin = instance.allow_spinning ? "1" : "0";
  options.AddConfigEntry(kOrtSessionOptionsConfigAllowIntraOpSpinning, spin);
  options.AddConfigEntry(kOrtSessionOptionsConfigAllowInterOpSpinning, spin);
  if (parameters.optimization_level) {
    options.SetGraphOptimizationLevel(*parameters.optimization_level);
  }
  if (parameters.execution_mode) options.SetExecutionMode(*parameters.execution_mode);
  if (parameters.enable_mem_arena) {
    if (*parameters.enable_mem_arena) {
      options.EnableCpuMemArena();
    } else {
      options.DisableCpuMemArena();
    }
  }
  if (parameters.enable_mem_pattern) {
    if (*parameters.enable_mem_pattern) {
      options.EnableMemPattern();
    } else {
      options.DisableMemPattern();
    }
  }
  if (!context.model_dir.empty()) {
    options.AddConfigEntry(kOrtSessionOptionsModelExternalInitializersFileFolderPath,
                           context.model_dir.c_str());
  }
  if (context.save_optimized_model && !parameters.optimized_model_path.empty()) {
    const std::filesystem::path path = parameters.optimized_model_path.is_absolute()
                                           ? parameters.optimized_model_path
                                           : context.model_dir / parameters.optimized_model_path;
    options.SetOptimizedModelFilePath(path.c_str());
  }
  return options;
}

}  // namespace tensord::runtime::onnx

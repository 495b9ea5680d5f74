// The ONNX Runtime backend. This folder is the only place that includes ONNX Runtime.
//
//   RuntimeRegistry registry;
//   absl::Status s = onnx::RegisterOnnxRuntime(registry);
//   // platform "onnxruntime_onnx", alias "onnxruntime", file extension ".onnx"
#pragma once

#include "absl/status/status.h"
#include "runtime/runtime.h"

namespace tensord::runtime::onnx {

inline constexpr char kPlatform[] = "onnxruntime_onnx";

// Creates the process-wide ONNX Runtime environment and registers the runtime.
absl::Status RegisterOnnxRuntime(RuntimeRegistry& registry);

}  // namespace tensord::runtime::onnx

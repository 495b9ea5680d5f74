// Registers the runtimes compiled into this build (ONNX Runtime; XGBoost when enabled).
#pragma once

#include "absl/status/status.h"
#include "runtime/runtime.h"

namespace tensord::runtime {

absl::Status RegisterBuiltinRuntimes(RuntimeRegistry& registry);

}  // namespace tensord::runtime

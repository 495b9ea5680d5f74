#include "runtime/builtin.h"

#include "runtime/onnx/onnx_runtime.h"

namespace tensord::runtime {

absl::Status RegisterBuiltinRuntimes(RuntimeRegistry& registry) {
  return onnx::RegisterOnnxRuntime(registry);
}

}  // namespace tensord::runtime

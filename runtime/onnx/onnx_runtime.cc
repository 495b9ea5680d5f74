// Placeholder until the ONNX runtime lands (being written now).
#include "runtime/onnx/onnx_runtime.h"
namespace tensord::runtime::onnx {
absl::Status RegisterOnnxRuntime(RuntimeRegistry&) { return absl::UnimplementedError("onnx"); }
}

// Reads the inputs and outputs a session's model declares.
//
//   absl::StatusOr<FileSignature> file = ReadSignature(session);
//
// Symbolic ("batch") and unknown dims become -1. A tensor of a type tensord cannot carry
// (complex, float8, a sequence or map) is InvalidArgument naming the tensor.
#pragma once

#include "absl/status/statusor.h"
#include "onnxruntime_cxx_api.h"
#include "runtime/onnx/config_completion.h"

namespace tensord::runtime::onnx {

// Throws Ort::Exception for ONNX Runtime failures (call it inside GuardOrt).
absl::StatusOr<FileSignature> ReadSignature(const Ort::Session& session);

}  // namespace tensord::runtime::onnx

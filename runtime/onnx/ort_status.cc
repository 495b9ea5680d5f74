#include "runtime/onnx/ort_status.h"

#include <string>

namespace tensord::runtime::onnx {

std::string CleanOrtMessage(std::string_view message) {
  // ONNX Runtime ends some messages with a newline.
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  // Its checks read "<source path>:<line> <C++ signature> <condition> was false. <why>":
  // clients get the why, not the build's source paths.
  const size_t source = message.find("/onnxruntime_src/");
  if (source == std::string_view::npos) return std::string(message);
  std::string text(message.substr(0, source));
  std::string_view rest = message.substr(source);
  constexpr std::string_view kEnforce = " was false. ";
  if (size_t enforce = rest.find(kEnforce); enforce != std::string_view::npos) {
    rest.remove_prefix(enforce + kEnforce.size());
  } else {
    const size_t space = rest.find(' ');
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  text += rest;
  return text;
}

absl::Status OrtErrorToStatus(OrtErrorCode code, std::string_view message, OrtPhase phase) {
  const std::string text = CleanOrtMessage(message);
  switch (code) {
    case ORT_OK:
      return absl::InternalError(
          fmt::format("ONNX Runtime reported an error with code OK: {}", text));
    case ORT_INVALID_ARGUMENT:
    case ORT_INVALID_GRAPH:
    case ORT_INVALID_PROTOBUF:
      return absl::InvalidArgumentError(text);
    case ORT_NO_SUCHFILE:
    case ORT_NO_MODEL:
    case ORT_NOT_FOUND:
      return absl::NotFoundError(text);
    case ORT_NOT_IMPLEMENTED:
      return absl::UnimplementedError(text);
    case ORT_FAIL:
      // Kernels report bad shapes and values as ORT_FAIL: the client's data during Run,
      // the model file during Load.
      return absl::InvalidArgumentError(text);
    case ORT_RUNTIME_EXCEPTION:
      // A kernel threw: during Run that is almost always an input it cannot handle.
      return phase == OrtPhase::kRun ? absl::InvalidArgumentError(text) : absl::InternalError(text);
    case ORT_MODEL_LOAD_CANCELED:
      return absl::CancelledError(text);
    case ORT_MODEL_REQUIRES_COMPILATION:
      return absl::FailedPreconditionError(text);
    case ORT_DEVICE_RESET:
      return absl::UnavailableError(text);
    case ORT_ENGINE_ERROR:
    case ORT_EP_FAIL:
    case ORT_MODEL_LOADED:  // a session used in the wrong state: our bug
      return absl::InternalError(text);
  }
  return absl::InternalError(
      fmt::format("ONNX Runtime error code {}: {}", static_cast<int>(code), text));
}

}  // namespace tensord::runtime::onnx

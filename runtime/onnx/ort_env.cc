#include "runtime/onnx/ort_env.h"

#include "runtime/onnx/ort_status.h"

namespace tensord::runtime::onnx {

absl::StatusOr<std::shared_ptr<Ort::Env>> SharedOrtEnv() {
  // A function-local static: created once, on first use, thread-safely.
  static const absl::StatusOr<std::shared_ptr<Ort::Env>> env =
      GuardOrt(OrtPhase::kLoad, "creating the ONNX Runtime environment",
               []() -> absl::StatusOr<std::shared_ptr<Ort::Env>> {
                 return std::make_shared<Ort::Env>(ORT_LOGGING_LEVEL_WARNING, "tensord");
               });
  return env;
}

}  // namespace tensord::runtime::onnx

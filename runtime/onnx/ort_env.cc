#include "runtime/onnx/ort_env.h"

#include "runtime/onnx/ort_status.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace tensord::runtime::onnx {

absl::StatusOr<std::shared_ptr<Ort::Env>> SharedOrtEnv() {
  // A function-local static: created once, on first use, thread-safely.
  static const absl::StatusOr<std::shared_ptr<Ort::Env>> env =
      GuardOrt(OrtPhase::kLoad, "creating the ONNX Runtime environment",
               []() -> absl::StatusOr<std::shared_ptr<Ort::Env>> {
#if defined(__SANITIZE_ADDRESS__)
                 // ONNX Runtime never frees a few bytes it allocates while creating its
                 // environment (process-lifetime). Only these are hidden from
                 // LeakSanitizer, so a leak anywhere else in it is still reported
                 // (runtime/onnx/lsan.supp no longer names the whole library).
                 __lsan::ScopedDisabler process_lifetime;
#endif
                 return std::make_shared<Ort::Env>(ORT_LOGGING_LEVEL_WARNING, "tensord");
               });
  return env;
}

}  // namespace tensord::runtime::onnx

#include "runtime/builtin.h"

#include "runtime/identity/identity_runtime.h"
#include "runtime/onnx/onnx_runtime.h"
#ifdef TENSORD_WITH_XGBOOST
#include "runtime/xgboost/xgboost_runtime.h"
#endif
#ifdef TENSORD_WITH_PYTHON
#include "runtime/python/python_runtime.h"
#endif

namespace tensord::runtime {

absl::Status RegisterBuiltinRuntimes(RuntimeRegistry& registry,
                                     [[maybe_unused]] const BuiltinRuntimeOptions& options) {
  if (absl::Status s = onnx::RegisterOnnxRuntime(registry); !s.ok()) return s;
  if (absl::Status s = identity::RegisterIdentityRuntime(registry); !s.ok()) return s;
#ifdef TENSORD_WITH_XGBOOST
  if (absl::Status s = xgboost::RegisterXgboostRuntime(registry); !s.ok()) return s;
#endif
#ifdef TENSORD_WITH_PYTHON
  if (absl::Status s = python::RegisterPythonRuntime(
          registry, {.predict_timeout = options.python_predict_timeout,
                     .load_timeout = options.python_load_timeout,
                     .default_workers = options.default_workers,
                     .usable_cpus = options.usable_cpus});
      !s.ok()) {
    return s;
  }
#endif
  return absl::OkStatus();
}

void BeginRuntimeShutdown() {
#ifdef TENSORD_WITH_PYTHON
  python::BeginShutdown();
#endif
}

}  // namespace tensord::runtime

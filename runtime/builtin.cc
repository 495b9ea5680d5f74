#include "runtime/builtin.h"

#include "runtime/onnx/onnx_runtime.h"
#ifdef TENSORD_WITH_XGBOOST
#include "runtime/xgboost/xgboost_runtime.h"
#endif

namespace tensord::runtime {

absl::Status RegisterBuiltinRuntimes(RuntimeRegistry& registry) {
  if (absl::Status s = onnx::RegisterOnnxRuntime(registry); !s.ok()) return s;
#ifdef TENSORD_WITH_XGBOOST
  if (absl::Status s = xgboost::RegisterXgboostRuntime(registry); !s.ok()) return s;
#endif
  return absl::OkStatus();
}

}  // namespace tensord::runtime

// Registers the runtimes compiled into this build (ONNX Runtime; XGBoost and the python
// runtime when enabled).
#pragma once

#include <chrono>

#include "absl/status/status.h"
#include "runtime/runtime.h"

namespace tensord::runtime {

// Settings of runtimes that take some (the server's flags).
struct BuiltinRuntimeOptions {
  // The python runtime (runtime/python/python_runtime.h).
  std::chrono::milliseconds python_predict_timeout{60'000};  // --python-predict-timeout
  std::chrono::milliseconds python_load_timeout{120'000};    // --python-load-timeout
  int default_workers = 0;  // --parallel-workers (0: the usable cores)
  int usable_cpus = 1;
};

absl::Status RegisterBuiltinRuntimes(RuntimeRegistry& registry,
                                     const BuiltinRuntimeOptions& options = {});

// Called once the server has drained, before it is torn down: runtimes whose work can
// outlast the drain (a python model's predict(), up to --python-predict-timeout) stop it.
void BeginRuntimeShutdown();

}  // namespace tensord::runtime

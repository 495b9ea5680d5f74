// The python runtime: MLServer models (scikit-learn, custom MLModel classes) served by
// Python worker processes, one process per instance, tensors crossing in shared memory.
//
//   RuntimeRegistry registry;
//   absl::Status s = python::RegisterPythonRuntime(registry, {.predict_timeout = 60s});
//   // platform "python"; alias "mlserver_sklearn.SKLearnModel"; and every other Python
//   // import path ("models.MyModel") that no C++ runtime claims (mlserver_xgboost stays C++)
//
// A model is its model-settings.json (config.mlserver_settings): the worker imports the
// `implementation` with the model's folder first on sys.path (so two models may each have a
// models.py), builds MLServer's ModelSettings, awaits load(), then serves predict() calls.
// The real `mlserver` package is used when importable; otherwise tensord's own
// (python/mlserver_compat, last on sys.path). What happens on errors, crashes and hangs is
// in python_instance.h.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "runtime/runtime.h"

namespace tensord::runtime::python {

inline constexpr char kPlatform[] = "python";

struct PythonRuntimeOptions {
  std::string python = "/usr/bin/python3";
  // Holds tensord_worker/ and mlserver_compat/; empty: found from the binary's location or
  // the source tree (FindPythonDir).
  std::filesystem::path python_dir;
  // predict() longer than this (or than the request's own `timeout` parameter, in
  // microseconds, when shorter) is killed: DeadlineExceeded, the worker restarts.
  std::chrono::milliseconds predict_timeout{60'000};
  // Import plus load() longer than this fails the load.
  std::chrono::milliseconds load_timeout{120'000};
  // Workers of a model whose model-settings.json and the repository's settings.json name no
  // parallel_workers: this (the server's --parallel-workers) if > 0, else `usable_cpus`.
  int default_workers = 0;
  int usable_cpus = 1;
};

absl::Status RegisterPythonRuntime(RuntimeRegistry& registry, PythonRuntimeOptions options);

// After the server's drain: predict() calls still running stop within 100 ms (their
// workers are killed, the requests get Unavailable) and no worker restarts, so a hanging
// model cannot hold the exit. Process-wide; for main's shutdown.
void BeginShutdown();

// The folder with tensord_worker/: $TENSORD_PYTHON_DIR, else <binary>/../share/tensord/python,
// else the source tree's python/ (compiled in). Empty when none holds it.
std::filesystem::path FindPythonDir();

}  // namespace tensord::runtime::python

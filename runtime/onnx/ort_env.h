// The one ONNX Runtime environment of the process, created on first use.
//
//   absl::StatusOr<std::shared_ptr<Ort::Env>> env = SharedOrtEnv();
//   Ort::Session session(**env, bytes.data(), bytes.size(), options);
//
// Models hold the shared_ptr so that the environment outlives every session made from it,
// whatever order statics and registries are destroyed in. ONNX Runtime allows one
// environment per process in practice (its logging manager is global), and each costs
// ~20 MB, so there is exactly one. Logs at warning level.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "onnxruntime_cxx_api.h"

namespace tensord::runtime::onnx {

// Thread-safe. A failure to create the environment is remembered, not retried.
absl::StatusOr<std::shared_ptr<Ort::Env>> SharedOrtEnv();

}  // namespace tensord::runtime::onnx

// The in-process backend: loads a model repository into tensord's own core (Server::Create)
// and calls Server::InferAsync directly, with no transport at all. Comparing it with the
// REST and gRPC backends separates transport cost from compute cost. The only part of
// tensord-bench that links the server's internals.
//
//   absl::StatusOr<BackendPtr> b = MakeInProcessBackend({.model_repository = "models",
//                                                        .model = "add_sub"});
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/backend.h"

namespace tensord::bench {

struct InProcessOptions {
  std::filesystem::path model_repository;
  std::string model;
  std::string version;
  int instance_count = 0;  // tensord's --parallel-workers; 0: the server default
};

absl::StatusOr<BackendPtr> MakeInProcessBackend(const InProcessOptions& options);

}  // namespace tensord::bench

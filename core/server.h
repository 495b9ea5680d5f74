// The one API every frontend (REST, gRPC, the in-process bench backend) talks to.
//
//   absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(options, registry);
//   (*server)->InferAsync(std::move(request), [](InferResult result) { ... });
//
// Thread-safe. Errors are absl::Status values; each frontend turns them into its wire
// codes in one place (InvalidArgument → 400 / INVALID_ARGUMENT, NotFound → 404 / NOT_FOUND,
// Unavailable → 503 / UNAVAILABLE, ...).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"
#include "repository/model_repository.h"
#include "runtime/runtime.h"

namespace tensord {

struct ServerMetadata {
  std::string name;
  std::string version;
  std::vector<std::string> extensions;
};

class Server {
 public:
  struct Options {
    std::filesystem::path model_repository;
    // Ready only when every model in the repository loaded (Triton's --strict-readiness).
    bool strict_readiness = false;
    int default_instance_count = 0;    // 0: one instance per model version
    int default_intra_op_threads = 0;  // 0: share the usable cores between instances
    // Extensions the frontends implement, reported by ServerMetadata.
    std::vector<std::string> extensions;
  };

  // Opens the repository and loads every model in it. Fails only when the repository
  // itself cannot be read; model failures are reported per model.
  static absl::StatusOr<std::unique_ptr<Server>> Create(Options options,
                                                        const runtime::RuntimeRegistry& registry);

  bool IsLive() const { return true; }
  bool IsReady() const;
  ServerMetadata Metadata() const;

  absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                 std::string_view version) const;
  // OK when ready; NotFound for unknown; Unavailable with the reason when not ready.
  absl::Status ModelReady(std::string_view name, std::string_view version) const;
  // The completed configuration of a version ("" = highest ready).
  absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name, std::string_view version) const;

  ModelRepository& repository() { return *repository_; }

  // Validates and queues `request`; `done` runs exactly once (inline for errors found
  // before queueing: unknown model, invalid input).
  void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done);

 private:
  Server(Options options, std::unique_ptr<ModelRepository> repository);

  const Options options_;
  std::unique_ptr<ModelRepository> repository_;
};

// The version string reported in metadata and by --version.
std::string_view TensordVersion();

}  // namespace tensord

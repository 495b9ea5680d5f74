// The one API every frontend (REST, gRPC, the in-process bench backend) talks to.
//
//   absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(options, registry);
//   (*server)->InferAsync(std::move(request), [](InferResult result) { ... });
//   (*server)->LoadModel("iris", {});          // --model-control-mode explicit only
//   (*server)->GetModelStats("", "");          // every ready version's counters
//
// Thread-safe. Errors are absl::Status values; each frontend turns them into its wire
// codes in one place (InvalidArgument → 400 / INVALID_ARGUMENT, NotFound → 404 / NOT_FOUND,
// Unavailable → 503 / UNAVAILABLE, ...).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"
#include "core/model_stats.h"
#include "repository/model_repository.h"
#include "repository/repository_poller.h"
#include "runtime/runtime.h"

namespace tensord {

struct ServerMetadata {
  std::string name;
  std::string version;
  std::vector<std::string> extensions;
};

// Triton's model control modes: kNone loads every model at start and changes nothing
// after; kPoll does the same and then follows the repository's changes on disk; kExplicit
// loads only startup_models and then what the load API asks for.
enum class ModelControlMode { kNone, kPoll, kExplicit };

class Server {
 public:
  struct Options {
    std::filesystem::path model_repository;
    ModelControlMode model_control_mode = ModelControlMode::kNone;
    // kExplicit: the models loaded at start; "*" loads every folder.
    std::vector<std::string> startup_models;
    // kPoll: how often the repository is scanned.
    std::chrono::milliseconds poll_interval{15'000};
    // Ready only when every model in the repository loaded (Triton's --strict-readiness).
    bool strict_readiness = false;
    int default_instance_count = 0;    // 0: one instance per model version
    int default_intra_op_threads = 0;  // 0: share the usable cores between instances
    // The most instances one model version may ask for (0: 4 per usable CPU, at least 16);
    // ModelRepository::Options::max_instances_per_model.
    int max_instances_per_model = 0;
    // Extensions the frontends implement, reported by ServerMetadata.
    std::vector<std::string> extensions;
  };

  // Opens the repository and loads its models (all of them, or in kExplicit mode the
  // startup models). Fails only when the repository itself cannot be read; model failures
  // are reported per model.
  static absl::StatusOr<std::unique_ptr<Server>> Create(Options options,
                                                        const runtime::RuntimeRegistry& registry);

  ~Server();

  bool IsLive() const { return true; }
  // False once StartDraining was called, so that load balancers stop sending.
  bool IsReady() const;
  // Shutdown has begun: readiness turns false; requests are still served.
  void StartDraining() { draining_ = true; }
  ServerMetadata Metadata() const;

  absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                 std::string_view version) const;
  // OK when ready; NotFound for unknown; Unavailable with the reason when not ready.
  absl::Status ModelReady(std::string_view name, std::string_view version) const;
  // The completed configuration of a version ("" = highest ready).
  absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name, std::string_view version) const;

  ModelRepository& repository() { return *repository_; }

  // The model repository extension. Load and unload are kExplicit only (Unavailable, with
  // Triton's message, otherwise); errors as ModelRepository::Load / Unload.
  absl::Status LoadModel(std::string_view name, const ModelLoadOptions& options);
  absl::Status UnloadModel(std::string_view name);
  // Every model version known (ready_only: the READY ones).
  std::vector<ModelVersionStatus> RepositoryIndex(bool ready_only) const;

  // The statistics extension: every ready version (name ""), one model's ready versions
  // (version ""), or one version. NotFound / Unavailable as for GetModelMetadata.
  absl::StatusOr<std::vector<ModelStats>> GetModelStats(std::string_view name,
                                                        std::string_view version) const;

  // Validates and queues `request`; `done` runs exactly once (inline for errors found
  // before queueing: unknown model, invalid input).
  void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done);

 private:
  Server(Options options, std::unique_ptr<ModelRepository> repository);

  const Options options_;
  std::unique_ptr<ModelRepository> repository_;
  std::unique_ptr<RepositoryPoller> poller_;  // kPoll only; stopped before the repository
  std::atomic<bool> draining_{false};
};

// The version string reported in metadata and by --version.
std::string_view TensordVersion();

}  // namespace tensord

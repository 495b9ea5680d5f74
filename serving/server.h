// tensord's implementation of the service interface (core/inference_service.h): the model
// repository, request validation, and the threads the server owns.
//
//   absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(options, registry);
//   InferenceService& service = **server;      // what frontends, metrics and tools get
//   http::HttpServer::Start(service, {...});
//
// Nothing outside serving/ reaches the repository or a scheduler: everything goes through
// the InferenceService methods. server/main.cc is the only caller of the rest (Create,
// StartDraining, AllModelsReady).
//
// Threads owned here (docs/architecture.md, "Threads"): the load executor
// (serving/load_executor.h) for LoadModelAsync / UnloadModelAsync; the deadline timer that
// answers timed-out requests of every model (scheduler/deadline_timer.h); the repository's
// reaper and, in poll mode, its poller.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/inference_service.h"
#include "runtime/runtime.h"
#include "serving/tracer.h"

namespace tensord {

class ModelRepository;
class RepositoryPoller;
class LoadExecutor;
namespace scheduler {
class DeadlineTimer;
}
namespace shm {
class RegionRegistry;
}
class LogSettingsControl;
class EnsembleRuntime;
class PipelineLoader;

// Triton's model control modes: kNone loads every model at start and changes nothing
// after; kPoll does the same and then follows the repository's changes on disk; kExplicit
// loads only startup_models and then what the load API asks for.
enum class ModelControlMode { kNone, kPoll, kExplicit };

class Server final : public InferenceService {
 public:
  struct Options {
    std::filesystem::path model_repository;
    ModelControlMode model_control_mode = ModelControlMode::kNone;
    // kExplicit: the models loaded at start; "*" loads every folder.
    std::vector<std::string> startup_models;
    // Seldon Core 2 Pipeline files to serve besides the repository's (--pipeline),
    // serving/pipeline/pipeline_files.h.
    std::vector<std::filesystem::path> pipeline_files;
    // kPoll: how often the repository is scanned.
    std::chrono::milliseconds poll_interval{15'000};
    // Ready only when every model in the repository loaded (Triton's --strict-readiness).
    bool strict_readiness = false;
    int default_instance_count = 0;    // 0: one instance per model version
    int default_intra_op_threads = 0;  // 0: share the usable cores between instances
    // The most instances one model version may ask for (0: 4 per usable CPU, at least 16);
    // ModelRepository::Options::max_instances_per_model.
    int max_instances_per_model = 0;
    // ModelRepository::Options::allow_request_files (--allow-load-files).
    bool allow_load_files = true;
    // Extensions the frontends implement, reported by Metadata().
    std::vector<std::string> extensions;
    // Threads of the load executor: loads of that many models may run at once.
    int load_threads = 2;
    // Loads and unloads that may wait for a load thread; more are ResourceExhausted
    // (LoadExecutor::Options::max_pending, --max-pending-loads).
    size_t max_pending_loads = 64;
    // System shared memory: whether clients may register regions (Triton's
    // --allow-client-shm) and how many may be registered at once.
    bool allow_client_shm = true;
    size_t max_shm_regions = 256;
    // The logging extension's starting point: --log-verbose and --log-format.
    uint32_t log_verbose_level = 0;
    std::string log_format = "text";
    // The trace extension's starting point (--trace-file, --trace-level, ...).
    TraceOptions trace;
  };

  // Opens the repository and loads its models (all of them, or in kExplicit mode the
  // startup models). Fails only when the repository itself cannot be read; model failures
  // are reported per model.
  static absl::StatusOr<std::unique_ptr<Server>> Create(Options options,
                                                        const runtime::RuntimeRegistry& registry);

  // Cancels queued loads, waits for running ones; the frontends must be stopped first.
  ~Server() override;

  // Shutdown has begun: readiness turns false; requests are still served.
  void StartDraining() { draining_ = true; }
  // True when every model found in the repository loaded.
  bool AllModelsReady() const;

  // InferenceService.
  bool IsLive() const override { return true; }
  bool IsReady() const override;
  ServerMetadata Metadata() const override;
  absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                 std::string_view version) const override;
  absl::Status ModelReady(std::string_view name, std::string_view version) const override;
  absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                             std::string_view version) const override;
  absl::StatusOr<std::vector<ModelStats>> GetModelStats(std::string_view name,
                                                        std::string_view version) const override;
  std::vector<ModelVersionStatus> RepositoryIndex(bool ready_only) const override;
  void LoadModelAsync(std::string_view name, ModelLoadOptions options,
                      StatusCallback done) override;
  void UnloadModelAsync(std::string_view name, StatusCallback done) override;
  absl::Status RegisterSystemSharedMemory(const SharedMemoryRegion& region) override;
  absl::Status UnregisterSystemSharedMemory(std::string_view name) override;
  absl::StatusOr<std::vector<SharedMemoryRegion>> SystemSharedMemoryStatus(
      std::string_view name) const override;
  LogSettings GetLogSettings() const override;
  absl::StatusOr<LogSettings> UpdateLogSettings(const LogSettingsUpdate& update) override;
  absl::StatusOr<TraceSettingsMap> GetTraceSettings(std::string_view model) const override;
  absl::StatusOr<TraceSettingsMap> UpdateTraceSettings(std::string_view model,
                                                       const TraceSettingsMap& update) override;
  void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) override;

 private:
  Server(Options options, std::unique_ptr<runtime::RuntimeRegistry> registry,
         std::unique_ptr<scheduler::DeadlineTimer> timer,
         std::unique_ptr<ModelRepository> repository, std::unique_ptr<Tracer> tracer);
  // NotFound unless `model` is "" or a model the repository knows.
  absl::Status CheckTraceModel(std::string_view model) const;
  // Unavailable unless model control is explicit.
  absl::Status CheckExplicit() const;
  // Runs `work` (a load or unload of `name`) on the load executor and passes its outcome
  // to `done`; refusals (mode, queue full, shutdown) go to `done` at once.
  void RunLoadTask(std::string_view name, absl::AnyInvocable<absl::Status() &&> work,
                   StatusCallback done);

  const Options options_;
  // The runtimes Create was given plus "ensemble" (serving/ensemble/ensemble_runtime.h),
  // whose steps go through this server's repository. Outlives the repository.
  std::unique_ptr<runtime::RuntimeRegistry> registry_;
  EnsembleRuntime* ensembles_ = nullptr;  // in registry_
  // Loads --pipeline files and pipelines that waited for a model (serving/pipeline/).
  std::unique_ptr<PipelineLoader> pipeline_loader_;
  // Destroyed in reverse order: loads stop first, then polling, then the repository (its
  // schedulers unregister from the timer), then the timer.
  std::unique_ptr<scheduler::DeadlineTimer> timer_;
  // Before the repository: requests finishing while it shuts down still hand in traces.
  std::unique_ptr<Tracer> tracer_;
  std::unique_ptr<ModelRepository> repository_;
  std::unique_ptr<RepositoryPoller> poller_;  // kPoll only
  std::unique_ptr<LoadExecutor> loads_;
  std::unique_ptr<shm::RegionRegistry> shared_memory_;
  std::unique_ptr<LogSettingsControl> log_settings_;
  std::atomic<bool> draining_{false};
};

// The version string reported in metadata and by --version.
std::string_view TensordVersion();

}  // namespace tensord

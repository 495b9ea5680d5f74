#include "serving/server.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/request_validation.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/model_repository.h"
#include "repository/version_label.h"
#include "repository/repository_poller.h"
#include "scheduler/deadline_timer.h"
#include "serving/classification.h"
#include "serving/ensemble/ensemble_runtime.h"
#include "serving/ensemble/load_with_steps.h"
#include "serving/pipeline/pipeline_files.h"
#include "serving/pipeline/pipeline_runtime.h"
#include "serving/load_executor.h"
#include "serving/log_settings.h"
#include "serving/mlserver_codecs.h"
#include "shared_memory/region_registry.h"
#include "shared_memory/tensor_binding.h"
#include "spdlog/spdlog.h"

namespace tensord {

std::string_view TensordVersion() { return "0.1.0"; }

Server::Server(Options options, std::unique_ptr<runtime::RuntimeRegistry> registry,
               std::unique_ptr<scheduler::DeadlineTimer> timer,
               std::unique_ptr<ModelRepository> repository, std::unique_ptr<Tracer> tracer)
    : options_(std::move(options)),
      registry_(std::move(registry)),
      timer_(std::move(timer)),
      tracer_(std::move(tracer)),
      repository_(std::move(repository)),
      loads_(std::make_unique<LoadExecutor>(LoadExecutor::Options{
          .threads = options_.load_threads, .max_pending = options_.max_pending_loads})),
      shared_memory_(std::make_unique<shm::RegionRegistry>(shm::RegionRegistry::Options{
          .max_regions = options_.max_shm_regions, .allowed = options_.allow_client_shm})),
      log_settings_(std::make_unique<LogSettingsControl>(LogSettings{
          .log_verbose_level = options_.log_verbose_level, .log_format = options_.log_format})) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Options options,
                                                       const runtime::RuntimeRegistry& registry) {
  absl::StatusOr<std::unique_ptr<Tracer>> tracer = Tracer::Create(options.trace);
  if (!tracer.ok()) return tracer.status();
  auto timer = std::make_unique<scheduler::DeadlineTimer>();
  // Ensembles run their steps through this server's repository, so their runtime is added
  // here rather than among the builtin ones.
  auto ensembles = std::make_shared<EnsembleRuntime>();
  auto runtimes = std::make_unique<runtime::RuntimeRegistry>(registry);
  runtimes->Register("ensemble", ensembles);
  // Seldon Core 2 pipelines (pipeline.yaml folders, served as "<name>.pipeline") likewise.
  auto pipelines = std::make_shared<PipelineRuntime>();
  runtimes->Register("seldon_pipeline", pipelines);
  absl::StatusOr<std::unique_ptr<ModelRepository>> repository =
      ModelRepository::Open({.root = options.model_repository,
                             .default_instance_count = options.default_instance_count,
                             .default_intra_op_threads = options.default_intra_op_threads,
                             .max_instances_per_model = options.max_instances_per_model,
                             .deadline_timer = timer.get(),
                             .allow_request_files = options.allow_load_files},
                            *runtimes);
  if (!repository.ok()) return repository.status();
  ModelRepository& repo = **repository;
  ensembles->SetLookup(
      [&repo](std::string_view name, std::string_view version) { return repo.Get(name, version); },
      [&repo](std::string_view name) {
        const std::vector<std::string> folders = repo.FolderNames();
        return std::find(folders.begin(), folders.end(), name) != folders.end();
      },
      [&repo] { return repo.changes(); });
  pipelines->SetLookup(
      [&repo](std::string_view name, std::string_view version) { return repo.Get(name, version); },
      [&repo] { return repo.changes(); });
  const bool load_all = options.model_control_mode != ModelControlMode::kExplicit ||
                        std::find(options.startup_models.begin(), options.startup_models.end(),
                                  "*") != options.startup_models.end();
  if (load_all) {
    repo.LoadAll();
  } else {
    for (const std::string& name : options.startup_models) {
      if (absl::Status loaded = LoadWithStepModels(repo, {ensembles.get(), pipelines.get()}, name);
          !loaded.ok()) {
        spdlog::error("{}", Message(loaded));
      }
    }
  }
  // Ensembles that loaded before their step models (loads go by name) load again now that
  // the step models have been.
  for (const std::string& name : ensembles->TakeWaiting()) {
    spdlog::info("model '{}': loading the ensemble again after its step models", name);
    if (absl::Status loaded = repo.Load(name); !loaded.ok()) spdlog::error("{}", Message(loaded));
  }
  for (const std::string& name : pipelines->TakeWaiting()) {
    spdlog::info("model '{}': loading the pipeline again after its step models", name);
    if (absl::Status loaded = repo.Load(name); !loaded.ok()) spdlog::error("{}", Message(loaded));
  }
  auto pipeline_loader = std::make_unique<PipelineLoader>(repo, *pipelines);
  pipeline_loader->LoadFiles(options.pipeline_files);
  auto server =
      std::unique_ptr<Server>(new Server(std::move(options), std::move(runtimes), std::move(timer),
                                         *std::move(repository), *std::move(tracer)));
  server->ensembles_ = ensembles.get();
  server->pipeline_loader_ = std::move(pipeline_loader);
  if (server->options_.model_control_mode == ModelControlMode::kPoll) {
    // After each poll, pipelines that waited for a model the poll loaded load too.
    PipelineLoader* pipeline_loader = server->pipeline_loader_.get();
    server->poller_ = std::make_unique<RepositoryPoller>(
        *server->repository_, server->options_.poll_interval,
        [pipeline_loader] { pipeline_loader->RetryWaiting(); });
  }
  return server;
}

Server::~Server() {
  loads_.reset();
  poller_.reset();
  repository_.reset();
  timer_.reset();
}

bool Server::IsReady() const {
  if (draining_) return false;
  return !options_.strict_readiness || repository_->AllReady();
}

bool Server::AllModelsReady() const { return repository_->AllReady(); }

ServerMetadata Server::Metadata() const {
  return {.name = "tensord",
          .version = std::string(TensordVersion()),
          .extensions = options_.extensions};
}

absl::StatusOr<ModelMetadata> Server::GetModelMetadata(std::string_view name,
                                                       std::string_view version) const {
  return repository_->Metadata(name, version);
}

absl::Status Server::ModelReady(std::string_view name, std::string_view version) const {
  return repository_->Get(name, version).status();
}

absl::StatusOr<ModelConfig> Server::GetModelConfig(std::string_view name,
                                                   std::string_view version) const {
  absl::StatusOr<ModelHandle> model = repository_->Get(name, version);
  if (!model.ok()) return model.status();
  return (*model)->config();
}

absl::StatusOr<std::vector<ModelStats>> Server::GetModelStats(std::string_view name,
                                                              std::string_view version) const {
  absl::StatusOr<std::vector<ModelHandle>> ready = repository_->ReadyVersions(name, version);
  if (!ready.ok()) return ready.status();
  std::vector<ModelStats> stats;
  stats.reserve(ready->size());
  for (const ModelHandle& handle : *ready) {
    stats.push_back(
        {.name = handle->config().name, .version = handle->version(), .stats = handle->Stats()});
  }
  return stats;
}

std::vector<ModelVersionStatus> Server::RepositoryIndex(bool ready_only) const {
  std::vector<ModelVersionStatus> index = repository_->Index();
  if (ready_only) {
    std::erase_if(index, [](const ModelVersionStatus& s) { return s.state != ModelState::kReady; });
    return index;
  }
  if (options_.model_control_mode == ModelControlMode::kExplicit) {
    // As Triton: every model folder, loaded or not, from a fresh look at the repository,
    // so that a folder copied in after start can be found and loaded.
    std::set<std::string, std::less<>> known;
    for (const ModelVersionStatus& row : index) known.insert(row.name);
    for (std::string& name : repository_->FolderNames()) {
      if (known.contains(name)) continue;
      index.push_back({.name = std::move(name),
                       .version = "",
                       .state = ModelState::kUnavailable,
                       .reason = "unloaded"});
    }
    std::sort(index.begin(), index.end(), [](const ModelVersionStatus& a, const ModelVersionStatus& b) {
      return a.name != b.name ? a.name < b.name : VersionLess()(a.version, b.version);
    });
  }
  return index;
}

absl::Status Server::CheckExplicit() const {
  if (options_.model_control_mode == ModelControlMode::kExplicit) return absl::OkStatus();
  // Triton's words and code, which clients written for Triton look for.
  return absl::UnavailableError("explicit model load / unload is not allowed if polling is enabled");
}

void Server::LoadModelAsync(std::string_view name, ModelLoadOptions options,
                            StatusCallback done) {
  RunLoadTask(name, [this, name = std::string(name), options = std::move(options)] {
    absl::Status loaded = LoadWithStepModels(
        *repository_, {ensembles_, &pipeline_loader_->runtime()}, name, options);
    // Pipelines loaded before this model (Seldon deploys them in any order) may load now.
    if (loaded.ok()) pipeline_loader_->ModelLoaded(name);
    return loaded;
  }, std::move(done));
}

void Server::UnloadModelAsync(std::string_view name, StatusCallback done) {
  RunLoadTask(name, [this, name = std::string(name)] { return repository_->Unload(name); },
              std::move(done));
}

void Server::RunLoadTask(std::string_view name, absl::AnyInvocable<absl::Status() &&> work,
                         StatusCallback done) {
  if (absl::Status allowed = CheckExplicit(); !allowed.ok()) {
    std::move(done)(std::move(allowed));
    return;
  }
  LoadExecutor::Task task = [model = std::string(name), work = std::move(work),
                             done = std::move(done)](absl::Status admitted) mutable {
    if (!admitted.ok()) {
      std::move(done)(Annotate(admitted, fmt::format("model '{}'", model)));
      return;
    }
    std::move(done)(std::move(work)());
  };
  if (absl::Status queued = loads_->Post(std::move(task)); !queued.ok()) {
    std::move(task)(std::move(queued));  // not taken: answer now
  }
}

absl::Status Server::RegisterSystemSharedMemory(const SharedMemoryRegion& region) {
  return shared_memory_->Register(
      {.name = region.name, .key = region.key, .offset = region.offset, .byte_size = region.byte_size});
}

absl::Status Server::UnregisterSystemSharedMemory(std::string_view name) {
  return shared_memory_->Unregister(name);
}

absl::StatusOr<std::vector<SharedMemoryRegion>> Server::SystemSharedMemoryStatus(
    std::string_view name) const {
  absl::StatusOr<std::vector<shm::RegionInfo>> regions = shared_memory_->Status(name);
  if (!regions.ok()) return regions.status();
  std::vector<SharedMemoryRegion> status;
  status.reserve(regions->size());
  for (shm::RegionInfo& region : *regions) {
    status.push_back({.name = std::move(region.name),
                      .key = std::move(region.key),
                      .offset = region.offset,
                      .byte_size = region.byte_size});
  }
  return status;
}

LogSettings Server::GetLogSettings() const { return log_settings_->Get(); }

absl::Status Server::CheckTraceModel(std::string_view model) const {
  if (model.empty()) return absl::OkStatus();
  absl::StatusOr<ModelMetadata> metadata = repository_->Metadata(model, "");
  // A model that is known but not ready (Unavailable) may still get settings.
  if (!metadata.ok() && metadata.status().code() == absl::StatusCode::kNotFound) {
    return metadata.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<TraceSettingsMap> Server::GetTraceSettings(std::string_view model) const {
  if (absl::Status known = CheckTraceModel(model); !known.ok()) return known;
  return tracer_->Get(model);
}

absl::StatusOr<TraceSettingsMap> Server::UpdateTraceSettings(std::string_view model,
                                                             const TraceSettingsMap& update) {
  if (absl::Status known = CheckTraceModel(model); !known.ok()) return known;
  return tracer_->Update(model, update);
}

absl::StatusOr<LogSettings> Server::UpdateLogSettings(const LogSettingsUpdate& update) {
  return log_settings_->Update(update);
}

void Server::InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) {
  if (request->arrival == std::chrono::steady_clock::time_point{}) {
    request->arrival = std::chrono::steady_clock::now();
  }
  absl::StatusOr<ModelHandle> model = repository_->Get(request->model_name, request->model_version);
  if (!model.ok()) {
    std::move(done)(model.status());
    return;
  }
  // Inputs in shared memory become views of their regions before validation sees them.
  if (absl::Status bound = shm::BindInputs(*shared_memory_, *request); !bound.ok()) {
    std::move(done)(std::move(bound));
    return;
  }
  // MLServer's client codecs (PandasCodec columns, ...) reshaped as its runtimes decode them.
  if (absl::Status adapted = AdaptMlserverCodecs((*model)->config(), *request); !adapted.ok()) {
    std::move(done)(std::move(adapted));
    return;
  }
  if (absl::Status valid = ValidateInferRequest((*model)->config(), *request); !valid.ok()) {
    std::move(done)(std::move(valid));
    return;
  }
  absl::StatusOr<Classifications> classifications = FindClassifications(*request);
  if (!classifications.ok()) {
    std::move(done)(classifications.status());
    return;
  }
  if (absl::Status classifiable = CheckClassifiable(*classifications, (*model)->config());
      !classifiable.ok()) {
    std::move(done)(std::move(classifiable));
    return;
  }
  absl::StatusOr<shm::OutputTargets> targets = shm::FindOutputTargets(*shared_memory_, *request);
  if (!targets.ok()) {
    std::move(done)(targets.status());
    return;
  }
  const ModelHandle& handle = *model;
  // The trace extension: a sampled request is stamped by the scheduler and handed back to
  // the tracer when answered — before the answer goes to the frontend, so that a client
  // that has its response finds the trace written (log_frequency) rather than racing it.
  if (std::shared_ptr<RequestTrace> trace =
          tracer_->Sample(request->model_name, handle->version(), request->arrival)) {
    request->trace = trace;
    done = [tracer = tracer_.get(), trace = std::move(trace),
            inner = std::move(done)](InferResult result) mutable {
      tracer->Finish(std::move(trace));
      std::move(inner)(std::move(result));
    };
  }
  if (classifications->empty() && targets->empty()) {  // the common case: nothing to do after
    handle->Enqueue(std::move(request),
                    [handle, done = std::move(done)](InferResult result) mutable {
                      std::move(done)(std::move(result));
                    });
    return;
  }
  // The handle rides along with the callback so the version outlives the request; the
  // targets keep their regions mapped until the outputs are written.
  handle->Enqueue(std::move(request), [handle, classifications = *std::move(classifications),
                                       targets = *std::move(targets),
                                       done = std::move(done)](InferResult result) mutable {
    if (result.ok()) {
      absl::Status finished = Classify(classifications, handle->config(), **result);
      if (finished.ok()) finished = shm::WriteOutputs(targets, **result);
      if (!finished.ok()) {
        std::move(done)(std::move(finished));
        return;
      }
    }
    std::move(done)(std::move(result));
  });
}

}  // namespace tensord

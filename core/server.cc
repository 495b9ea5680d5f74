#include "core/server.h"

#include <algorithm>
#include <utility>

#include "core/request_validation.h"
#include "core/status_util.h"
#include "spdlog/spdlog.h"

namespace tensord {

std::string_view TensordVersion() { return "0.1.0"; }

Server::Server(Options options, std::unique_ptr<ModelRepository> repository)
    : options_(std::move(options)), repository_(std::move(repository)) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Options options,
                                                       const runtime::RuntimeRegistry& registry) {
  absl::StatusOr<std::unique_ptr<ModelRepository>> repository =
      ModelRepository::Open({.root = options.model_repository,
                             .default_instance_count = options.default_instance_count,
                             .default_intra_op_threads = options.default_intra_op_threads,
                             .max_instances_per_model = options.max_instances_per_model},
                            registry);
  if (!repository.ok()) return repository.status();
  ModelRepository& repo = **repository;
  const bool load_all = options.model_control_mode != ModelControlMode::kExplicit ||
                        std::find(options.startup_models.begin(), options.startup_models.end(),
                                  "*") != options.startup_models.end();
  if (load_all) {
    repo.LoadAll();
  } else {
    for (const std::string& name : options.startup_models) {
      if (absl::Status loaded = repo.Load(name); !loaded.ok()) {
        spdlog::error("{}", Message(loaded));
      }
    }
  }
  auto server = std::unique_ptr<Server>(new Server(std::move(options), *std::move(repository)));
  if (server->options_.model_control_mode == ModelControlMode::kPoll) {
    server->poller_ =
        std::make_unique<RepositoryPoller>(*server->repository_, server->options_.poll_interval);
  }
  return server;
}

Server::~Server() { poller_.reset(); }

bool Server::IsReady() const {
  if (draining_) return false;
  return !options_.strict_readiness || repository_->AllReady();
}

absl::Status Server::LoadModel(std::string_view name, const ModelLoadOptions& options) {
  if (options_.model_control_mode != ModelControlMode::kExplicit) {
    // Triton's words and code, which clients written for Triton look for.
    return absl::UnavailableError(
        "explicit model load / unload is not allowed if polling is enabled");
  }
  return repository_->Load(name, options);
}

absl::Status Server::UnloadModel(std::string_view name) {
  if (options_.model_control_mode != ModelControlMode::kExplicit) {
    return absl::UnavailableError(
        "explicit model load / unload is not allowed if polling is enabled");
  }
  return repository_->Unload(name);
}

std::vector<ModelVersionStatus> Server::RepositoryIndex(bool ready_only) const {
  std::vector<ModelVersionStatus> index = repository_->Index();
  if (ready_only) {
    std::erase_if(index, [](const ModelVersionStatus& s) { return s.state != ModelState::kReady; });
  }
  return index;
}

absl::StatusOr<std::vector<ModelStats>> Server::GetModelStats(std::string_view name,
                                                              std::string_view version) const {
  absl::StatusOr<std::vector<ModelHandle>> ready = repository_->ReadyVersions(name, version);
  if (!ready.ok()) return ready.status();
  std::vector<ModelStats> stats;
  stats.reserve(ready->size());
  for (const ModelHandle& handle : *ready) {
    stats.push_back({.name = handle->config().name,
                     .version = handle->version,
                     .stats = handle->scheduler->Stats()});
  }
  return stats;
}

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

void Server::InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) {
  if (request->arrival == std::chrono::steady_clock::time_point{}) {
    request->arrival = std::chrono::steady_clock::now();
  }
  absl::StatusOr<ModelHandle> model = repository_->Get(request->model_name, request->model_version);
  if (!model.ok()) {
    std::move(done)(model.status());
    return;
  }
  absl::Status valid = ValidateInferRequest((*model)->config(), *request);
  if (!valid.ok()) {
    std::move(done)(std::move(valid));
    return;
  }
  // The handle rides along with the callback so the version outlives the request.
  ModelHandle handle = *model;
  scheduler::Scheduler& scheduler = *handle->scheduler;
  scheduler.Enqueue(std::move(request),
                    [handle = std::move(handle), done = std::move(done)](
                        InferResult result) mutable { std::move(done)(std::move(result)); });
}

}  // namespace tensord

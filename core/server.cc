#include "core/server.h"

#include <utility>

#include "core/request_validation.h"

namespace tensord {

std::string_view TensordVersion() { return "0.1.0"; }

Server::Server(Options options, std::unique_ptr<ModelRepository> repository)
    : options_(std::move(options)), repository_(std::move(repository)) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Options options,
                                                       const runtime::RuntimeRegistry& registry) {
  absl::StatusOr<std::unique_ptr<ModelRepository>> repository =
      ModelRepository::Open({.root = options.model_repository,
                             .default_instance_count = options.default_instance_count,
                             .default_intra_op_threads = options.default_intra_op_threads},
                            registry);
  if (!repository.ok()) return repository.status();
  (*repository)->LoadAll();
  return std::unique_ptr<Server>(new Server(std::move(options), *std::move(repository)));
}

bool Server::IsReady() const { return !options_.strict_readiness || repository_->AllReady(); }

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

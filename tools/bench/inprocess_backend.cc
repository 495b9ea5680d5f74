#include "tools/bench/inprocess_backend.h"

#include <condition_variable>
#include <mutex>

#include "core/inference_service.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/builtin.h"
#include "serving/server.h"
#include "spdlog/spdlog.h"

namespace tensord::bench {
namespace {

using Prepared = std::shared_ptr<const std::vector<std::vector<Tensor>>>;

class InProcessClient : public Client {
 public:
  InProcessClient(InferenceService& service, std::string model, std::string version,
                  Prepared prepared)
      : service_(service),
        model_(std::move(model)),
        version_(std::move(version)),
        prepared_(std::move(prepared)) {}

  absl::Status Infer(size_t index, CallTiming&) override {
    auto request = std::make_unique<InferRequest>();
    request->model_name = model_;
    request->model_version = version_;
    request->inputs = (*prepared_)[index % prepared_->size()];  // tensors view shared bytes
    // This thread only waits for the answer: the scheduler may execute on it (as an
    // application embedding tensord's core would), saving a worker's wake-up per request.
    request->caller_waits = true;
    std::unique_lock lock(mutex_);
    done_ = false;
    lock.unlock();
    service_.InferAsync(std::move(request), [this](InferResult result) {
      std::lock_guard guard(mutex_);
      status_ = result.status();
      done_ = true;
      cv_.notify_one();
    });
    lock.lock();
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }

 private:
  InferenceService& service_;
  std::string model_;
  std::string version_;
  Prepared prepared_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  absl::Status status_;
};

class InProcessBackend : public Backend {
 public:
  InProcessBackend(InProcessOptions o, std::unique_ptr<runtime::RuntimeRegistry> registry,
                   std::unique_ptr<Server> server)
      : o_(std::move(o)),
        registry_(std::move(registry)),
        server_(std::move(server)),
        service_(*server_) {}

  std::string Describe() const override {
    return fmt::format("inprocess {}", o_.model_repository.string());
  }

  absl::StatusOr<ModelInfo> Metadata() override {
    absl::StatusOr<ModelMetadata> m = service_.GetModelMetadata(o_.model, o_.version);
    if (!m.ok()) {
      return absl::Status(m.status().code(),
                          fmt::format("cannot read the metadata of model '{}' in {}: {}", o_.model,
                                      o_.model_repository.string(), Message(m.status())));
    }
    ModelInfo info{.name = m->name, .versions = m->versions, .platform = m->platform};
    for (const TensorMetadata& t : m->inputs) {
      info.inputs.push_back({t.name, std::string(DataTypeName(t.datatype)), t.shape});
    }
    for (const TensorMetadata& t : m->outputs) {
      info.outputs.push_back({t.name, std::string(DataTypeName(t.datatype)), t.shape});
    }
    return info;
  }

  absl::StatusOr<std::optional<ServerStatsSnapshot>> Statistics() override {
    absl::StatusOr<std::vector<ModelStats>> stats = service_.GetModelStats(o_.model, o_.version);
    if (!stats.ok()) return stats.status();
    if (stats->empty()) return std::optional<ServerStatsSnapshot>();
    // Versions come in ascending order; a request without a version goes to the highest.
    const InferenceStats& s = stats->back().stats;
    return std::optional<ServerStatsSnapshot>(
        ServerStatsSnapshot{.success_count = s.success_count,
                            .failure_count = s.failure_count,
                            .inference_count = s.inference_count,
                            .execution_count = s.execution_count,
                            .queue_ns = s.queue_ns,
                            .compute_input_ns = s.compute_input_ns,
                            .compute_infer_ns = s.compute_infer_ns,
                            .compute_output_ns = s.compute_output_ns});
  }

  absl::Status Prepare(const std::vector<RequestInputs>& requests) override {
    auto out = std::make_shared<std::vector<std::vector<Tensor>>>();
    for (const RequestInputs& inputs : requests) {
      std::vector<Tensor> tensors;
      for (const InputTensor& t : inputs) {
        const DataType type = DataTypeFromName(t.datatype);
        if (type == DataType::kInvalid) {
          return absl::InvalidArgumentError(
              fmt::format("input '{}': unknown datatype '{}'", t.name, t.datatype));
        }
        auto bytes = std::make_shared<const std::string>(t.raw);
        std::span<const std::byte> view(reinterpret_cast<const std::byte*>(bytes->data()),
                                        bytes->size());
        tensors.push_back(Tensor{
            .name = t.name, .datatype = type, .shape = t.shape, .data = Buffer::View(view, bytes)});
      }
      out->push_back(std::move(tensors));
    }
    prepared_ = std::move(out);
    return absl::OkStatus();
  }
  size_t prepared_count() const override { return prepared_ ? prepared_->size() : 0; }

  absl::StatusOr<ClientPtr> NewClient() override {
    if (!prepared_ || prepared_->empty()) {
      return absl::FailedPreconditionError("no prepared requests");
    }
    return ClientPtr(std::make_unique<InProcessClient>(service_, o_.model, o_.version, prepared_));
  }

 private:
  InProcessOptions o_;
  std::unique_ptr<runtime::RuntimeRegistry> registry_;
  std::unique_ptr<Server> server_;  // owned here; used only through service_
  InferenceService& service_;
  Prepared prepared_;
};

}  // namespace

absl::StatusOr<BackendPtr> MakeInProcessBackend(const InProcessOptions& options) {
  if (options.model_repository.empty()) {
    return absl::InvalidArgumentError("--backend inprocess needs --model-repository DIR");
  }
  // The server's model-loading chatter would interleave with the result table.
  spdlog::set_level(spdlog::level::warn);
  auto registry = std::make_unique<runtime::RuntimeRegistry>();
  if (absl::Status s = runtime::RegisterBuiltinRuntimes(*registry); !s.ok()) return s;
  Server::Options server_options;
  server_options.model_repository = options.model_repository;
  server_options.default_instance_count = options.instance_count;
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(server_options, *registry);
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        fmt::format("--model-repository {}: {}", options.model_repository.string(),
                                    Message(server.status())));
  }
  return BackendPtr(
      std::make_unique<InProcessBackend>(options, std::move(registry), *std::move(server)));
}

}  // namespace tensord::bench

// A first-in first-out queue served by `instance_count` worker threads, each owning one
// instance. Requests run one at a time per instance (no batching).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "scheduler/scheduler.h"

namespace tensord::scheduler {
namespace {

class InstancePoolScheduler final : public Scheduler {
 public:
  InstancePoolScheduler(runtime::Model& model, SchedulerOptions options,
                        std::vector<runtime::InstancePtr> instances)
      : model_(model), options_(std::move(options)) {
    workers_.reserve(instances.size());
    for (auto& instance : instances) {
      workers_.emplace_back([this, inst = std::move(instance)]() mutable { Work(*inst); });
    }
  }
  ~InstancePoolScheduler() override { Shutdown(); }

  void Enqueue(std::unique_ptr<InferRequest>&& request, InferCallback&& done) override {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        queue_.push_back({std::move(request), std::move(done)});
        ready_.notify_one();
        return;
      }
    }
    std::move(done)(
        absl::UnavailableError(fmt::format("model '{}' is shutting down", options_.model_name)));
  }

  void Shutdown() override {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

 private:
  struct Job {
    std::unique_ptr<InferRequest> request;
    InferCallback done;
  };

  void Work(runtime::Instance& instance) {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      if (job.request->cancelled && job.request->cancelled->load()) {
        std::move(job.done)(absl::CancelledError("the client went away before execution"));
        continue;
      }
      std::move(job.done)(ExecuteOne(instance, model_.config(), options_, *job.request));
    }
  }

  runtime::Model& model_;
  const SchedulerOptions options_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

InferResult ExecuteOne(runtime::Instance& instance, const ModelConfig& config,
                       const SchedulerOptions& options, const InferRequest& request) {
  std::vector<std::string> names;
  if (request.outputs.empty()) {
    for (const TensorConfig& output : config.outputs) names.push_back(output.name);
  } else {
    for (const RequestedOutput& output : request.outputs) names.push_back(output.name);
  }
  absl::StatusOr<std::vector<Tensor>> outputs = instance.Execute(request.inputs, names);
  if (!outputs.ok()) return outputs.status();
  auto response = std::make_unique<InferResponse>();
  response->model_name = options.model_name;
  response->model_version = options.model_version;
  response->id = request.id;
  response->outputs = *std::move(outputs);
  return response;
}

absl::StatusOr<SchedulerPtr> CreateScheduler(runtime::Model& model, SchedulerOptions options) {
  const int count = std::max(1, options.instance_count);
  std::vector<runtime::InstancePtr> instances;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<runtime::InstancePtr> instance = model.CreateInstance(options.instance_options);
    if (!instance.ok()) return instance.status();
    instances.push_back(*std::move(instance));
  }
  return std::make_unique<InstancePoolScheduler>(model, std::move(options), std::move(instances));
}

}  // namespace tensord::scheduler

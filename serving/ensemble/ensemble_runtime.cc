#include "serving/ensemble/ensemble_runtime.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <span>
#include <thread>
#include <utility>

#include "core/request_validation.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "serving/ensemble/ensemble_graph.h"
#include "serving/ensemble/step_request_context.h"

namespace tensord {
namespace {

std::string StepVersion(const EnsembleStep& step) {
  return step.model_version < 0 ? std::string() : std::to_string(step.model_version);
}

class EnsembleInstance;
struct Run;

// What a step's callback needs, held in its Run: the callback captures one shared_ptr to it
// (sharing the Run's ownership), small enough for InferCallback to keep without allocating.
struct StepCall {
  EnsembleInstance* instance = nullptr;
  Run* run = nullptr;
  size_t step = 0;
  ModelHandle model;  // the version the step was sent to, kept while it runs
};

// One Execute: the tensors made so far and the steps still running. Shared with the step
// callbacks, which may run on other threads (or inline, inside Enqueue).
struct Run {
  std::mutex mutex;
  std::condition_variable all_done;
  std::map<std::string, Tensor, std::less<>> tensors;  // by ensemble tensor name
  std::vector<size_t> waiting;                         // producers each step still waits for
  std::vector<StepCall> calls;                         // by step
  int in_flight = 0;  // steps sent and not finished, plus those about to be sent
  absl::Status error;
  StepDeadline inherited;  // the ensemble request's id and deadline
  // The thread in Execute. Steps that a step finishing on it unblocks wait in
  // `executor_ready` for it to send them (one of them it runs itself), instead of being sent
  // from inside the finished step's callback, deeper on its stack.
  std::thread::id executor;
  std::vector<size_t> executor_ready;
};

class EnsembleInstance final : public runtime::Instance {
 public:
  EnsembleInstance(const ModelConfig& config, const EnsembleGraph& graph, const ModelLookup& lookup,
                   const ChangeCount& changes)
      : config_(config),
        graph_(graph),
        lookup_(lookup),
        changes_(changes),
        step_models_(config.ensemble_steps.size()) {}

  // The request's id and timeout reach the steps: each step request gets the time left.
  void SetRequestContext(const runtime::RequestContext& context) override { context_.Set(context); }

  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override {
    auto run = std::make_shared<Run>();
    run->inherited = context_.Take();
    for (const Tensor& input : inputs) run->tensors.emplace(input.name, input);
    run->waiting = graph_.producer_count;
    run->calls.resize(config_.ensemble_steps.size());
    run->in_flight = static_cast<int>(graph_.initial.size());
    run->executor = std::this_thread::get_id();
    std::span<const size_t> ready = graph_.initial;
    std::vector<size_t> unblocked;
    for (;;) {
      // This thread would only wait: the last ready step runs on it (caller_waits), the
      // others go to their models' workers, so independent steps still run side by side.
      // Steps it unblocks come back here (Finish), and the next runs here too: a chain runs
      // on this thread from end to end, with no hand-off.
      for (size_t i = 0; i + 1 < ready.size(); ++i) Dispatch(run, ready[i], false);
      if (!ready.empty()) Dispatch(run, ready.back(), true);
      unblocked.clear();
      // Only this thread touches executor_ready (Finish on it), so no lock; each vector
      // keeps its capacity: no allocation per step.
      unblocked.swap(run->executor_ready);
      if (unblocked.empty()) break;
      ready = unblocked;
    }
    std::unique_lock lock(run->mutex);
    run->all_done.wait(lock, [&] { return run->in_flight == 0; });
    if (!run->error.ok()) return run->error;
    std::vector<Tensor> outputs;
    outputs.reserve(output_names.size());
    for (const std::string& name : output_names) {
      auto found = run->tensors.find(name);
      if (found == run->tensors.end()) {
        return absl::InternalError(fmt::format("ensemble output '{}' was not produced", name));
      }
      outputs.push_back(found->second);
    }
    return outputs;
  }

 private:
  // Sends step `index` to its model; its completion sends the steps it unblocks.
  // `caller_waits`: only from the thread in Execute, which waits for the answer anyway.
  void Dispatch(const std::shared_ptr<Run>& run, size_t index, bool caller_waits) {
    const EnsembleStep& step = config_.ensemble_steps[index];
    // Each step is sent by one thread at a time (one Execute at a time per instance).
    absl::StatusOr<ModelHandle> model =
        step_models_[index].Get(lookup_, changes_, step.model_name, StepVersion(step));
    if (!model.ok()) {
      // Loaded once, gone now (unloaded, or failed a reload): the ensemble cannot serve
      // until it is back, whatever the lookup's code.
      Finish(run, index,
             absl::UnavailableError(fmt::format("{}: step model '{}' is not available: {}",
                                                StepLabel(config_, index), step.model_name,
                                                Message(model.status()))));
      return;
    }
    auto request = std::make_unique<InferRequest>();
    request->model_name = step.model_name;
    request->model_version = (*model)->version();
    // Not for a model that batches dynamically: its batches form while requests wait in its
    // queue for a worker, and a step run at once here would go in a smaller batch (the
    // batching case of bench/pipeline.py lost ~15% of its throughput so).
    request->caller_waits = caller_waits && !(*model)->config().batching.has_value();
    if (absl::Status in_time = run->inherited.Apply(*request); !in_time.ok()) {
      Finish(run, index, Annotate(in_time, StepLabel(config_, index)));
      return;
    }
    {
      std::lock_guard lock(run->mutex);
      for (const auto& [input, tensor] : step.input_map) {
        auto found = run->tensors.find(tensor);
        if (found == run->tensors.end()) continue;  // an optional ensemble input left out
        Tensor view = found->second;                // shares the buffer: no copy
        view.name = input;
        request->inputs.push_back(std::move(view));
      }
    }
    for (const auto& [output, tensor] : step.output_map)
      request->outputs.push_back({.name = output});
    if (absl::Status valid = ValidateInferRequest((*model)->config(), *request); !valid.ok()) {
      Finish(run, index, Annotate(valid, StepLabel(config_, index)));
      return;
    }
    // Only this thread touches calls[index] before the step is sent; its callback after.
    StepCall& slot = run->calls[index];
    slot = {.instance = this, .run = run.get(), .step = index, .model = *std::move(model)};
    const ServableModel& servable = *slot.model;
    servable.Enqueue(std::move(request), [call = std::shared_ptr<StepCall>(run, &slot)](
                                             InferResult result) mutable {
      call->instance->Completed(std::shared_ptr<Run>(call, call->run), call->step,
                                std::move(result));
    });
  }

  void Completed(const std::shared_ptr<Run>& run, size_t index, InferResult result) {
    if (!result.ok()) {
      Finish(run, index, Annotate(result.status(), StepLabel(config_, index)));
      return;
    }
    Finish(run, index, std::move((*result)->outputs));
  }

  void Finish(const std::shared_ptr<Run>& run, size_t index,
              absl::StatusOr<std::vector<Tensor>> outputs) {
    const EnsembleStep& step = config_.ensemble_steps[index];
    std::vector<size_t> unblocked;
    {
      std::lock_guard lock(run->mutex);
      if (!outputs.ok()) {
        if (run->error.ok()) run->error = outputs.status();
      } else if (run->error.ok()) {
        for (Tensor& output : *outputs) {
          auto renamed = step.output_map.find(output.name);
          if (renamed == step.output_map.end()) continue;
          output.name = renamed->second;
          run->tensors.insert_or_assign(renamed->second, std::move(output));
        }
        for (size_t consumer : graph_.consumers[index]) {
          if (--run->waiting[consumer] == 0) unblocked.push_back(consumer);
        }
      }
      run->in_flight += static_cast<int>(unblocked.size()) - 1;
      // Notified under the lock: the waiter may return (and drop its share) at once.
      if (run->in_flight == 0) run->all_done.notify_all();
      if (!unblocked.empty() && std::this_thread::get_id() == run->executor) {
        // Finished on the thread in Execute (a step it ran, or one that failed before it
        // was sent): that thread sends what comes next when this returns.
        run->executor_ready.insert(run->executor_ready.end(), unblocked.begin(),
                                   unblocked.end());
        return;
      }
    }
    // Another thread (a step model's worker): send normally, it is not the one that waits.
    for (size_t next : unblocked) Dispatch(run, next, false);
  }

  const ModelConfig& config_;
  const EnsembleGraph& graph_;
  const ModelLookup& lookup_;
  const ChangeCount& changes_;
  std::vector<StepModelCache> step_models_;  // by step
  StepRequestContext context_;
};

class EnsembleModel final : public runtime::Model {
 public:
  EnsembleModel(ModelConfig config, EnsembleGraph graph, ModelLookup lookup, ChangeCount changes)
      : config_(std::move(config)),
        graph_(std::move(graph)),
        lookup_(std::move(lookup)),
        changes_(std::move(changes)) {}

  const ModelConfig& config() const override { return config_; }
  absl::StatusOr<runtime::InstancePtr> CreateInstance(const runtime::InstanceOptions&) override {
    return std::make_unique<EnsembleInstance>(config_, graph_, lookup_, changes_);
  }

 private:
  const ModelConfig config_;
  const EnsembleGraph graph_;
  const ModelLookup lookup_;
  const ChangeCount changes_;
};

}  // namespace

absl::StatusOr<runtime::ModelPtr> EnsembleRuntime::Load(const ModelConfig& config,
                                                        const std::filesystem::path&) {
  if (!lookup_) return absl::InternalError("ensembles: no model lookup set");
  // Step models in the repository with no ready version (never loaded, or unloaded, in
  // explicit model control): the caller may load them and this ensemble again, as Triton loads an
  // ensemble's composing models.
  std::vector<std::string> unloaded;
  for (const EnsembleStep& step : config.ensemble_steps) {
    if (!lookup_(step.model_name, "").ok() && in_repository_ && in_repository_(step.model_name) &&
        std::find(unloaded.begin(), unloaded.end(), step.model_name) == unloaded.end()) {
      unloaded.push_back(step.model_name);
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (unloaded.empty()) {
      unloaded_steps_.erase(config.name);
    } else {
      unloaded_steps_[config.name] = unloaded;
    }
  }
  bool step_not_ready = false;
  absl::StatusOr<EnsembleGraph> graph =
      PlanEnsemble(config, [&](const EnsembleStep& step) -> absl::StatusOr<ModelConfig> {
        absl::StatusOr<ModelHandle> model = lookup_(step.model_name, StepVersion(step));
        if (absl::IsNotFound(model.status()) && in_repository_ && in_repository_(step.model_name)) {
          const std::string which =
              step.model_version < 0
                  ? fmt::format("'{}'", step.model_name)
                  : fmt::format("'{}' version {}", step.model_name, step.model_version);
          return absl::InvalidArgumentError(
              fmt::format("step model {} is not loaded: {}", which, Message(model.status())));
        }
        if (absl::IsNotFound(model.status())) {
          return absl::InvalidArgumentError(
              fmt::format("unknown step model '{}' (not in the repository): {}", step.model_name,
                          Message(model.status())));
        }
        if (!model.ok()) {
          step_not_ready = true;
          std::lock_guard lock(mutex_);
          if (starting_) {
            return absl::UnavailableError(
                fmt::format("waiting for step model '{}' ({}); the ensemble is loaded again "
                            "after the other models",
                            step.model_name, Message(model.status())));
          }
          return absl::UnavailableError(fmt::format("step model '{}' is not ready: {}",
                                                    step.model_name, Message(model.status())));
        }
        return (*model)->config();
      });
  if (!graph.ok()) {
    std::lock_guard lock(mutex_);
    if (step_not_ready && starting_) {
      if (std::find(waiting_.begin(), waiting_.end(), config.name) == waiting_.end()) {
        waiting_.push_back(config.name);
      }
    }
    return graph.status();
  }
  ModelConfig completed = config;
  if (completed.instance_count <= 0) completed.instance_count = kDefaultInstances;
  return std::make_unique<EnsembleModel>(std::move(completed), *std::move(graph), lookup_,
                                         changes_);
}

std::vector<std::string> EnsembleRuntime::TakeUnloadedSteps(std::string_view ensemble) {
  std::lock_guard lock(mutex_);
  auto found = unloaded_steps_.find(ensemble);
  if (found == unloaded_steps_.end()) return {};
  std::vector<std::string> steps = std::move(found->second);
  unloaded_steps_.erase(found);
  return steps;
}

std::vector<std::string> EnsembleRuntime::TakeWaiting() {
  std::lock_guard lock(mutex_);
  starting_ = false;
  return std::exchange(waiting_, {});
}

}  // namespace tensord

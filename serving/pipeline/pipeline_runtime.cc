#include "serving/pipeline/pipeline_runtime.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <thread>
#include <utility>
#include <variant>

#include "core/request_validation.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "serving/ensemble/step_request_context.h"
#include "serving/pipeline/pipeline_plan.h"
#include "serving/pipeline/pipeline_spec.h"

namespace tensord {
namespace {

enum class StepState { kWaiting, kRunning, kDone, kSkipped };
enum class Decision { kWait, kRun, kSkip };

class PipelineInstance;
struct Run;

// What a step's callback needs, held in its Run: the callback captures one shared_ptr to it
// (sharing the Run's ownership), small enough for InferCallback to keep without allocating.
struct StepCall {
  PipelineInstance* instance = nullptr;
  Run* run = nullptr;
  size_t step = 0;
  ModelHandle model;  // the version the step was sent to, kept while it runs
};

// One step in one Execute (one allocation for them all).
struct StepRun {
  StepState state = StepState::kWaiting;
  std::string skipped_because;
  std::vector<Tensor> given;
  std::vector<Tensor> made;
  StepCall call;
};

// One Execute: what each step was given and made so far. Shared with the step callbacks,
// which may run on other threads (or inline, inside Enqueue).
struct Run {
  std::mutex mutex;
  std::condition_variable all_done;
  // Execute's own inputs, not copied: it returns only once no step can read them any more.
  std::span<const Tensor> pipeline_inputs;
  std::vector<StepRun> steps;  // plan order
  int in_flight = 0;
  absl::Status error;
  StepDeadline inherited;  // the pipeline request's id and deadline
  // The thread in Execute. Steps that a step finishing on it makes ready wait in
  // `executor_ready` for it to send them (one of them it runs itself), instead of being sent
  // from inside the finished step's callback, deeper on its stack.
  std::thread::id executor;
  std::vector<size_t> executor_ready;
};

const Tensor* FindTensor(std::span<const Tensor> tensors, std::string_view name) {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

class PipelineInstance final : public runtime::Instance {
 public:
  // `keep_given[s]`: whether a reference reads what step s was given ("<s>.inputs..."), so
  // its request gets a copy rather than the tensors themselves.
  PipelineInstance(const PipelinePlan& plan, const ModelLookup& lookup, const ChangeCount& changes,
                   const std::vector<bool>& keep_given)
      : plan_(plan),
        lookup_(lookup),
        changes_(changes),
        keep_given_(keep_given),
        step_models_(plan.steps.size()) {}

  // The request's id and timeout reach the steps: each step request gets the time left.
  void SetRequestContext(const runtime::RequestContext& context) override { context_.Set(context); }

  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override {
    const size_t n = plan_.steps.size();
    auto run = std::make_shared<Run>();
    run->inherited = context_.Take();
    run->pipeline_inputs = inputs;
    run->steps.resize(n);
    run->executor = std::this_thread::get_id();
    std::vector<size_t> ready;
    {
      std::lock_guard lock(run->mutex);
      Advance(*run, ready);
    }
    while (!ready.empty()) {
      // This thread would only wait: the last ready step runs on it (caller_waits), the
      // others go to their models' workers, so independent branches still run side by
      // side. Steps it makes ready come back here (Finish), and the next runs here too: a
      // chain runs on this thread from end to end, with no hand-off.
      for (size_t i = 0; i + 1 < ready.size(); ++i) Dispatch(run, ready[i], false);
      Dispatch(run, ready.back(), true);
      ready.clear();
      // Only this thread touches executor_ready (Finish on it), so no lock; each vector
      // keeps its capacity: no allocation per step.
      ready.swap(run->executor_ready);
    }
    std::unique_lock lock(run->mutex);
    run->all_done.wait(lock, [&] { return run->in_flight == 0; });
    if (!run->error.ok()) return run->error;
    return Outputs(*run, output_names);
  }

 private:
  // Whether `ref` has brought (or will bring) what it names.
  enum class Availability { kPending, kAvailable, kMissing };
  Availability Available(const Run& run, const PlannedRef& ref) const {
    if (ref.step == kFromPipeline) {
      return ref.tensor.empty() || FindTensor(run.pipeline_inputs, ref.tensor) != nullptr
                 ? Availability::kAvailable
                 : Availability::kMissing;
    }
    switch (run.steps[ref.step].state) {
      case StepState::kWaiting:
      case StepState::kRunning:
        return Availability::kPending;
      case StepState::kSkipped:
        return Availability::kMissing;
      case StepState::kDone:
        break;
    }
    if (ref.tensor.empty()) return Availability::kAvailable;
    const std::vector<Tensor>& tensors = ref.inputs ? run.steps[ref.step].given : run.steps[ref.step].made;
    return FindTensor(tensors, ref.tensor) != nullptr ? Availability::kAvailable
                                                      : Availability::kMissing;
  }

  // Seldon's joins over references: inner waits for all and needs all; outer waits for all
  // and needs one; any needs one and goes as soon as it has it.
  Decision Join(const Run& run, const std::vector<PlannedRef>& refs, JoinType join,
                std::string* missing) const {
    size_t available = 0, pending = 0;
    for (const PlannedRef& ref : refs) {
      switch (Available(run, ref)) {
        case Availability::kAvailable:
          ++available;
          break;
        case Availability::kPending:
          ++pending;
          break;
        case Availability::kMissing:
          if (join == JoinType::kInner) {
            *missing = ref.text;
            return Decision::kSkip;
          }
          break;
      }
    }
    if (join == JoinType::kAny && available > 0) return Decision::kRun;
    if (pending > 0) return Decision::kWait;
    if (available > 0) return Decision::kRun;
    *missing = refs.empty() ? "" : refs.front().text;
    return Decision::kSkip;
  }

  Decision Decide(Run& run, size_t s) const {
    const PlannedStep& step = plan_.steps[s];
    std::string missing;
    Decision triggers = Decision::kRun;
    if (!step.triggers.empty()) {
      // For triggers, outer is as any: one met trigger is enough.
      triggers = Join(run, step.triggers,
                      step.triggers_join == JoinType::kInner ? JoinType::kInner : JoinType::kAny,
                      &missing);
      if (triggers == Decision::kSkip) {
        run.steps[s].skipped_because = fmt::format("its trigger '{}' was not met", missing);
        return triggers;
      }
    }
    const Decision inputs = Join(run, step.inputs, step.inputs_join, &missing);
    if (inputs == Decision::kSkip) {
      run.steps[s].skipped_because = fmt::format("its input '{}' never came", missing);
      return inputs;
    }
    return triggers == Decision::kWait ? Decision::kWait : inputs;
  }

  // Decides every waiting step it can; appends those to send to `ready`. Called under
  // run.mutex.
  void Advance(Run& run, std::vector<size_t>& ready) const {
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t s = 0; s < plan_.steps.size(); ++s) {
        if (run.steps[s].state != StepState::kWaiting) continue;
        if (!run.error.ok()) {
          run.steps[s].state = StepState::kSkipped;
          continue;
        }
        const Decision decision = Decide(run, s);
        if (decision == Decision::kWait) continue;
        changed = true;
        if (decision == Decision::kSkip) {
          run.steps[s].state = StepState::kSkipped;
        } else {
          run.steps[s].state = StepState::kRunning;
          run.steps[s].given = Gather(run, plan_.steps[s].inputs);
          ++run.in_flight;
          ready.push_back(s);
        }
      }
    }
  }

  // The tensors the available references bring, renamed; the first of a name wins.
  std::vector<Tensor> Gather(const Run& run, const std::vector<PlannedRef>& refs) const {
    std::vector<Tensor> tensors;
    for (const PlannedRef& ref : refs) {
      if (Available(run, ref) != Availability::kAvailable) continue;
      const std::span<const Tensor> source = ref.step == kFromPipeline ? run.pipeline_inputs
                                             : ref.inputs ? std::span<const Tensor>(run.steps[ref.step].given)
                                                          : std::span<const Tensor>(run.steps[ref.step].made);
      if (ref.every_tensor) {  // an open model's tensors: whatever it has now
        for (const Tensor& tensor : source) {
          auto renamed = ref.rename.find(tensor.name);
          const std::string& to = renamed == ref.rename.end() ? tensor.name : renamed->second;
          if (FindTensor(tensors, to) != nullptr) continue;
          Tensor view = tensor;  // shares the buffer: no copy
          view.name = to;
          view.parameters = {};
          tensors.push_back(std::move(view));
        }
        continue;
      }
      for (const PlannedFeed& feed : ref.feeds) {
        const Tensor* tensor = FindTensor(source, feed.from);
        if (tensor == nullptr || FindTensor(tensors, feed.to) != nullptr) continue;
        Tensor view = *tensor;  // shares the buffer: no copy
        view.name = feed.to;
        view.parameters = {};
        tensors.push_back(std::move(view));
      }
    }
    return tensors;
  }

  std::string Label(size_t s) const {
    return fmt::format("pipeline '{}' step '{}'", plan_.name, plan_.steps[s].model);
  }

  // `caller_waits`: only from the thread in Execute, which waits for the answer anyway.
  void Dispatch(const std::shared_ptr<Run>& run, size_t s, bool caller_waits) {
    const PlannedStep& step = plan_.steps[s];
    // Each step is sent by one thread at a time (one Execute at a time per instance).
    absl::StatusOr<ModelHandle> model = step_models_[s].Get(lookup_, changes_, step.model, "");
    if (!model.ok()) {
      Finish(run, s,
             absl::UnavailableError(fmt::format("{}: model '{}' is not available: {}", Label(s),
                                                step.model, Message(model.status()))));
      return;
    }
    auto request = std::make_unique<InferRequest>();
    request->model_name = step.model;
    request->model_version = (*model)->version();
    // Not for a model that batches dynamically: its batches form while requests wait in its
    // queue for a worker, and a step run at once here would go in a smaller batch (the
    // batching case of bench/pipeline.py lost ~15% of its throughput so).
    request->caller_waits = caller_waits && !(*model)->config().batching.has_value();
    if (absl::Status in_time = run->inherited.Apply(*request); !in_time.ok()) {
      Finish(run, s, Annotate(in_time, Label(s)));
      return;
    }
    // No lock: steps[s].given was set (under the lock) by the thread that made the step
    // ready, which is this one or handed it over under the lock; while the step runs no
    // other thread reads it (references read what a step was given once it is done).
    if (keep_given_[s]) {
      request->inputs = run->steps[s].given;
    } else {
      request->inputs = std::move(run->steps[s].given);
    }
    if (absl::Status valid = ValidateInferRequest((*model)->config(), *request); !valid.ok()) {
      Finish(run, s, Annotate(valid, Label(s)));
      return;
    }
    // Only this thread touches steps[s].call before the step is sent; its callback after.
    StepCall& slot = run->steps[s].call;
    slot = {.instance = this, .run = run.get(), .step = s, .model = *std::move(model)};
    const ServableModel& servable = *slot.model;
    servable.Enqueue(std::move(request), [call = std::shared_ptr<StepCall>(run, &slot)](
                                             InferResult result) mutable {
      call->instance->Completed(std::shared_ptr<Run>(call, call->run), call->step,
                                std::move(result));
    });
  }

  void Completed(const std::shared_ptr<Run>& run, size_t s, InferResult result) {
    if (!result.ok()) {
      Finish(run, s, Annotate(result.status(), Label(s)));
      return;
    }
    Finish(run, s, std::move((*result)->outputs));
  }

  void Finish(const std::shared_ptr<Run>& run, size_t s,
              absl::StatusOr<std::vector<Tensor>> outputs) {
    std::vector<size_t> ready;
    {
      std::lock_guard lock(run->mutex);
      if (!outputs.ok()) {
        if (run->error.ok()) run->error = outputs.status();
        run->steps[s].state = StepState::kSkipped;
      } else {
        run->steps[s].made = *std::move(outputs);
        run->steps[s].state = StepState::kDone;
      }
      --run->in_flight;
      if (std::this_thread::get_id() == run->executor) {
        // Finished on the thread in Execute (a step it ran, or one that failed before it
        // was sent): that thread sends what comes next when this returns.
        Advance(*run, run->executor_ready);
        return;
      }
      Advance(*run, ready);
      // Notified under the lock: the waiter may return (and drop its share) at once.
      if (run->in_flight == 0) run->all_done.notify_all();
    }
    // Another thread (a step model's worker): send normally, it is not the one that waits.
    for (size_t next : ready) Dispatch(run, next, false);
  }

  absl::StatusOr<std::vector<Tensor>> Outputs(Run& run,
                                              std::span<const std::string> output_names) const {
    std::string missing;
    if (Join(run, plan_.outputs, plan_.outputs_join, &missing) != Decision::kRun) {
      std::string why;
      for (const PlannedRef& ref : plan_.outputs) {
        if (Available(run, ref) == Availability::kAvailable) continue;
        why += fmt::format("{}'{}'", why.empty() ? "" : "; ", ref.text);
        if (ref.step != kFromPipeline && run.steps[ref.step].state == StepState::kSkipped) {
          why += fmt::format(" (step '{}' was skipped: {})", plan_.steps[ref.step].model,
                             run.steps[ref.step].skipped_because);
        } else {
          why += " (not produced)";
        }
      }
      return absl::DeadlineExceededError(fmt::format(
          "pipeline '{}': the output join ({}) can never complete within the request: {}",
          plan_.name, JoinTypeName(plan_.outputs_join), why));
    }
    std::vector<Tensor> all = Gather(run, plan_.outputs);
    // A pipeline with open outputs asked for none answers with all it has, as its open
    // output models do.
    if (output_names.empty() && plan_.config.any_outputs) return all;
    std::vector<Tensor> outputs;
    outputs.reserve(output_names.size());
    for (const std::string& name : output_names) {
      // An output of a skipped branch (outer / any joins) is left out of the answer.
      auto found = std::find_if(all.begin(), all.end(),
                                [&name](const Tensor& tensor) { return tensor.name == name; });
      if (found != all.end()) outputs.push_back(std::move(*found));  // each name is asked once
    }
    return outputs;
  }

  const PipelinePlan& plan_;
  const ModelLookup& lookup_;
  const ChangeCount& changes_;
  const std::vector<bool>& keep_given_;
  std::vector<StepModelCache> step_models_;  // by step
  StepRequestContext context_;
};

std::vector<bool> KeepGiven(const PipelinePlan& plan) {
  std::vector<bool> keep(plan.steps.size(), false);
  auto mark = [&keep](const std::vector<PlannedRef>& refs) {
    for (const PlannedRef& ref : refs) {
      if (ref.inputs && ref.step != kFromPipeline) keep[ref.step] = true;
    }
  };
  for (const PlannedStep& step : plan.steps) {
    mark(step.inputs);
    mark(step.triggers);
  }
  mark(plan.outputs);
  return keep;
}

class PipelineModel final : public runtime::Model {
 public:
  PipelineModel(PipelinePlan plan, ModelLookup lookup, ChangeCount changes)
      : plan_(std::move(plan)),
        lookup_(std::move(lookup)),
        changes_(std::move(changes)),
        keep_given_(KeepGiven(plan_)) {}

  const ModelConfig& config() const override { return plan_.config; }
  absl::StatusOr<runtime::InstancePtr> CreateInstance(const runtime::InstanceOptions&) override {
    return std::make_unique<PipelineInstance>(plan_, lookup_, changes_, keep_given_);
  }

 private:
  const PipelinePlan plan_;
  const ModelLookup lookup_;
  const ChangeCount changes_;
  const std::vector<bool> keep_given_;
};

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        fmt::format("{}: cannot be read: {}", path.string(), std::strerror(errno)));
  }
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<runtime::ModelPtr> PipelineRuntime::Load(const ModelConfig& config,
                                                        const std::filesystem::path& model_path) {
  if (!lookup_) return absl::InternalError("pipelines: no model lookup set");
  std::error_code ec;
  const std::filesystem::path file =
      std::filesystem::is_directory(model_path, ec) ? model_path / kPipelineFile : model_path;
  absl::StatusOr<std::string> text = ReadFile(file);
  if (!text.ok()) return text.status();
  auto shown = config.parameters.find(std::string(kPipelineFileParameter));
  absl::StatusOr<PipelineSpec> spec =
      ParsePipelineSpec(*text, shown != config.parameters.end() ? shown->second : file.string());
  if (!spec.ok()) return spec.status();
  if (config.name != spec->name + std::string(kPipelineSuffix)) {
    std::string served = config.name;
    if (served.ends_with(kPipelineSuffix)) served.resize(served.size() - kPipelineSuffix.size());
    return absl::InvalidArgumentError(
        fmt::format("{}: metadata.name '{}' is not the pipeline's folder name '{}'", file.string(),
                    spec->name, served));
  }
  bool step_not_ready = false;
  // Step models not loaded or not ready: all of them, not only the first the plan meets, so
  // that a load request can load them all before loading the pipeline again.
  std::set<std::string> missing;
  for (const PipelineStepSpec& step : spec->steps) {
    if (!lookup_(step.name, "").ok()) missing.insert(step.name);
  }
  absl::StatusOr<PipelinePlan> plan =
      PlanPipeline(*spec, config.name, [&](std::string_view model) -> absl::StatusOr<ModelConfig> {
        absl::StatusOr<ModelHandle> handle = lookup_(model, "");
        if (handle.ok()) return (*handle)->config();
        missing.emplace(model);
        {
          // At start-up the step model may simply not be loaded yet (loads go by name).
          std::lock_guard lock(mutex_);
          if (starting_) {
            step_not_ready = true;
            return absl::UnavailableError(fmt::format(
                "waiting for model '{}' ({}); the pipeline is loaded again after the other "
                "models",
                model, Message(handle.status())));
          }
        }
        if (absl::IsNotFound(handle.status())) {
          return absl::InvalidArgumentError(
              fmt::format("unknown model '{}' (no model of that name is loaded): {}", model,
                          Message(handle.status())));
        }
        return absl::UnavailableError(
            fmt::format("model '{}' is not ready: {}", model, Message(handle.status())));
      });
  {
    std::lock_guard lock(mutex_);
    if (plan.ok() || missing.empty()) {
      waiting_for_.erase(config.name);
    } else {
      waiting_for_[config.name] = missing;
    }
  }
  if (!plan.ok()) {
    std::lock_guard lock(mutex_);
    if (step_not_ready && starting_ &&
        std::find(waiting_.begin(), waiting_.end(), config.name) == waiting_.end()) {
      waiting_.push_back(config.name);
    }
    return plan.status();
  }
  plan->config.instance_count =
      config.instance_count > 0 ? config.instance_count : kDefaultInstances;
  plan->config.version_label = config.version_label;
  return std::make_unique<PipelineModel>(*std::move(plan), lookup_, changes_);
}

std::vector<std::string> PipelineRuntime::TakeWaitingFor(std::string_view model) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> pipelines;
  for (auto it = waiting_for_.begin(); it != waiting_for_.end();) {
    if (it->second.contains(std::string(model))) {
      pipelines.push_back(it->first);
      it = waiting_for_.erase(it);
    } else {
      ++it;
    }
  }
  return pipelines;
}

std::vector<std::string> PipelineRuntime::TakeUnloadedSteps(std::string_view pipeline) {
  std::lock_guard lock(mutex_);
  auto found = waiting_for_.find(pipeline);
  if (found == waiting_for_.end()) return {};
  std::vector<std::string> models(found->second.begin(), found->second.end());
  waiting_for_.erase(found);
  // Loaded again by the caller after its models: not once more after start-up.
  std::erase(waiting_, std::string(pipeline));
  return models;
}

std::vector<std::string> PipelineRuntime::TakeLoadable() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> pipelines;
  for (auto it = waiting_for_.begin(); it != waiting_for_.end();) {
    const bool ready =
        std::all_of(it->second.begin(), it->second.end(),
                    [&](const std::string& model) { return lookup_(model, "").ok(); });
    if (ready) {
      pipelines.push_back(it->first);
      it = waiting_for_.erase(it);
    } else {
      ++it;
    }
  }
  return pipelines;
}

std::vector<std::string> PipelineRuntime::TakeWaiting() {
  std::lock_guard lock(mutex_);
  starting_ = false;
  return std::exchange(waiting_, {});
}

}  // namespace tensord

// One loaded, servable model version: the runtime model and the scheduler in front of its
// instances, held through a ModelHandle while a request uses it.
//
//   ModelHandle handle = ...;                 // from ModelRepository::Get
//   handle->config();                         // completed; instance_count as run
//   handle->Enqueue(std::move(request), std::move(done));
//
// The scheduler is shut down before the model goes. Thread-safe after Serve.
#pragma once

#include <memory>
#include <string>

#include "core/inference_stats.h"
#include "core/infer_request.h"
#include "core/model_config.h"
#include "runtime/runtime.h"
#include "scheduler/scheduler.h"

namespace tensord {

class ServableModel {
 public:
  ServableModel(std::string version, runtime::ModelPtr model);
  ~ServableModel();
  ServableModel(const ServableModel&) = delete;
  ServableModel& operator=(const ServableModel&) = delete;

  // Starts serving: `scheduler` runs the model's instances. Called once, before the
  // servable is shared.
  void Serve(scheduler::SchedulerPtr scheduler);

  const std::string& version() const { return version_; }
  // The completed configuration, instance_count being the instances that run it.
  const ModelConfig& config() const { return config_; }
  runtime::Model& model() const { return *model_; }
  // The scheduler's contracts (scheduler/scheduler.h).
  void Enqueue(std::unique_ptr<InferRequest>&& request, InferCallback&& done) const;
  InferenceStats Stats() const;
  // The version stops serving: its queued requests stop waiting for batch mates
  // (Scheduler::Drain). Requests already holding it still run.
  void Drain() const;

 private:
  const std::string version_;
  runtime::ModelPtr model_;
  ModelConfig config_;
  scheduler::SchedulerPtr scheduler_;
};
using ModelHandle = std::shared_ptr<const ServableModel>;

}  // namespace tensord

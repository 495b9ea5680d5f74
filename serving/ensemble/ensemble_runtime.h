// Triton's ensembles served like any model: a runtime registered as platform "ensemble"
// whose instances run the ensemble's steps through the step models' schedulers. Loading,
// metadata, config, readiness, statistics and the request checks are then the repository's
// and the scheduler's, as for every model; only Execute is particular.
//
//   auto ensembles = std::make_shared<EnsembleRuntime>();
//   registry.Register("ensemble", ensembles);
//   ensembles->SetLookup(
//       [&repo](std::string_view name, std::string_view version) { return repo.Get(name, version);
//       },
//       [&repo](std::string_view name) { return HasFolder(repo, name); });  // before any load
//   repo.LoadAll();
//   for (const std::string& name : ensembles->TakeWaiting()) repo.Load(name);
//
// Load checks the steps against the step models as they are loaded now
// (serving/ensemble/ensemble_graph.h lists the errors). At start-up an ensemble loaded
// before one of its step models fails with "waiting for step model"; TakeWaiting names those,
// to be loaded again once the plain models are (Triton loads an ensemble's composing models
// first), and ends start-up: later, a step model that is not ready is a plain load error.
//
// Execute, per request (or batch of requests when the ensemble batches): a step is sent to
// its model's highest ready version (or the step's model_version) as soon as the tensors it
// consumes exist, so independent steps run at once; tensors pass between steps as views of
// the same buffers. A step's error fails the request with the step named ("ensemble step 2
// ('add_sub'): ..."), a step model that is not ready at request time is Unavailable naming it.
// The thread in Execute runs one ready step itself (InferRequest::caller_waits) and sends the
// others to their models' workers; the steps that one unblocks come back to it, so a chain
// runs on one thread with no hand-off (steps of a model that batches dynamically always go
// through its queue). Between steps it waits: an ensemble instance is one request in
// flight, so ensembles get kDefaultInstances instances unless the config says otherwise.
//
// Thread-safe after SetLookup.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "repository/servable_model.h"
#include "runtime/runtime.h"
#include "serving/ensemble/step_model_cache.h"
#include "serving/ensemble/step_model_source.h"

namespace tensord {

class EnsembleRuntime final : public runtime::Runtime, public StepModelSource {
 public:
  // Ensemble requests in flight at once when instance_group sets no count: enough for the
  // step models' batchers to find batch mates.
  static constexpr int kDefaultInstances = 16;

  // `in_repository`: whether the repository has a folder for a model that `lookup` does
  // not know (it is there but not loaded, as in explicit model control).
  void SetLookup(ModelLookup lookup, std::function<bool(std::string_view)> in_repository,
                 ChangeCount changes = nullptr) {
    lookup_ = std::move(lookup);
    in_repository_ = std::move(in_repository);
    changes_ = std::move(changes);
  }

  std::string_view default_model_filename() const override { return ""; }
  bool composes_models() const override { return true; }
  bool needs_model_file() const override { return false; }
  absl::StatusOr<runtime::ModelPtr> Load(const ModelConfig& config,
                                         const std::filesystem::path& model_path) override;

  // The step models that the last load of `ensemble` found in the repository but not
  // ready (explicit model control: not loaded, or unloaded); clears them. Load those, then the ensemble again:
  // LoadWithStepModels (serving/ensemble/load_with_steps.h) does.
  std::vector<std::string> TakeUnloadedSteps(std::string_view ensemble) override;

  // Ensembles whose load at start-up failed because a step model was not ready yet; clears
  // the list and ends start-up (called once, after the start-up loads).
  std::vector<std::string> TakeWaiting();

 private:
  ModelLookup lookup_;
  std::function<bool(std::string_view)> in_repository_;
  ChangeCount changes_;  // steps look their models up again after a change only
  std::mutex mutex_;
  std::vector<std::string> waiting_ ABSL_GUARDED_BY(mutex_);
  bool starting_ ABSL_GUARDED_BY(mutex_) = true;
  std::map<std::string, std::vector<std::string>, std::less<>> unloaded_steps_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace tensord

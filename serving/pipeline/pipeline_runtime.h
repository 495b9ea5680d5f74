// Seldon Core 2 pipelines served like any model: a runtime registered as platform
// "seldon_pipeline" whose model is a folder's pipeline.yaml (repository/model_folder.h names
// the folder's model "<folder>.pipeline"), and whose instances run the steps through the
// step models' schedulers. Loading, metadata, readiness, the repository index (with the
// reason a pipeline cannot load), statistics and request checks are the repository's and the
// scheduler's, as for every model; only Load and Execute are particular.
//
//   auto pipelines = std::make_shared<PipelineRuntime>();
//   registry.Register(std::string(kPipelinePlatform), pipelines);
//   pipelines->SetLookup([&repo](std::string_view name, std::string_view version) {
//     return repo.Get(name, version); });
//   repo.LoadAll();
//   for (const std::string& name : pipelines->TakeWaiting()) repo.Load(name);
//
// Load reads <folder>/pipeline.yaml (serving/pipeline/pipeline_spec.h: its errors carry
// file:line), checks that metadata.name is the folder's name, and plans it against the step
// models' highest ready versions (serving/pipeline/pipeline_plan.h lists the errors). At
// start-up a pipeline loaded before one of its step models is "waiting" and TakeWaiting
// names it, to be loaded again once the plain models are.
//
// Execute, per request: a step is sent to its model's highest ready version as soon as its
// join is complete (inner: every input; outer: all that will come; any: the first) and its
// triggers are met (inner: all; outer/any: one); a step whose join or triggers can no longer
// be met is skipped, as Seldon skips it, and so are the steps that wait on it. Tensors pass
// between steps as views of the same buffers. Errors: a step that fails fails the request
// naming it ("pipeline 'p' step 'b': ..."); a step model that is not ready is Unavailable
// naming the step; an output join that can never complete (its steps were skipped) is
// DeadlineExceeded, at once, naming what is missing (Seldon would wait out the request's
// timeout).
//
// Threads: the thread in Execute (the pipeline's scheduler's: an I/O thread when the
// pipeline is fast enough to run inline, else an instance worker) runs one of the ready
// steps itself (InferRequest::caller_waits, so its model's scheduler executes it on that
// thread when an instance is free) and sends the others to their models' workers, so
// independent steps run side by side; the steps that one makes ready come back to it, so a
// chain runs on one thread with no hand-off. Steps whose model batches dynamically always go
// through its queue (batches form there). Steps finished on a worker send what they make
// ready from that worker. Between steps the thread waits, so a pipeline gets
// kDefaultInstances instances (requests in flight) unless its config says otherwise.
// Step requests carry the pipeline request's id, time left, and cancellation flag
// (serving/ensemble/step_request_context.h).
//
// Thread-safe after SetLookup.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "runtime/runtime.h"
#include "serving/ensemble/ensemble_runtime.h"
#include "serving/ensemble/step_model_cache.h"
#include "serving/ensemble/step_model_source.h"

namespace tensord {

inline constexpr std::string_view kPipelineFile = "pipeline.yaml";
// A config parameter naming the file a pipeline came from, when the runtime reads a copy of
// it (--pipeline files): messages name it rather than the copy.
inline constexpr std::string_view kPipelineFileParameter = "pipeline_file";

class PipelineRuntime final : public runtime::Runtime, public StepModelSource {
 public:
  static constexpr int kDefaultInstances = 16;

  // `changes`: the repository's count of state changes (ModelRepository::changes()), so
  // that steps look their models up again only after one; null: on every request.
  void SetLookup(ModelLookup lookup, ChangeCount changes = nullptr) {
    lookup_ = std::move(lookup);
    changes_ = std::move(changes);
  }

  std::string_view default_model_filename() const override { return kPipelineFile; }
  bool composes_models() const override { return true; }
  bool needs_model_file() const override { return false; }
  absl::StatusOr<runtime::ModelPtr> Load(const ModelConfig& config,
                                         const std::filesystem::path& model_path) override;

  // Pipelines whose load at start-up failed because a step model was not ready yet; clears
  // the list and ends start-up.
  std::vector<std::string> TakeWaiting();

  // Pipelines whose last load failed because `model` was not loaded or not ready (Seldon
  // deploys a pipeline before its models): load them again now that it is. Clears them.
  std::vector<std::string> TakeWaitingFor(std::string_view model);
  // Those whose missing models are all ready now (after a repository poll). Clears them.
  std::vector<std::string> TakeLoadable();
  // The models the last load of `pipeline` missed (not loaded, or not ready); clears them. A
  // load request (explicit model control) loads those, then the pipeline again:
  // LoadWithStepModels (serving/ensemble/load_with_steps.h) does.
  std::vector<std::string> TakeUnloadedSteps(std::string_view pipeline) override;

 private:
  ModelLookup lookup_;
  ChangeCount changes_;
  std::mutex mutex_;
  std::vector<std::string> waiting_ ABSL_GUARDED_BY(mutex_);
  bool starting_ ABSL_GUARDED_BY(mutex_) = true;
  std::map<std::string, std::set<std::string>, std::less<>> waiting_for_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace tensord

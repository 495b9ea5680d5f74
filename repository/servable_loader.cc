#include "repository/servable_loader.h"

#include <algorithm>
#include <utility>

#include "core/status_util.h"
#include "fmt/format.h"
#include "repository/thread_plan.h"
#include "runtime/reshape.h"
#include "scheduler/scheduler.h"
#include "spdlog/spdlog.h"

namespace tensord {

absl::StatusOr<ModelHandle> LoadServable(const runtime::RuntimeRegistry& registry,
                                         ServableReaper& reaper, const ModelFolderPlan& model,
                                         const ModelConfig& model_config,
                                         const VersionPlan& version, const LoadSettings& settings) {
  const std::string where = version.model_path.string();
  runtime::Runtime* runtime = registry.Find(version.platform);
  if (runtime == nullptr) {
    return absl::InternalError(
        fmt::format("{}: platform '{}' is not registered", where, version.platform));
  }
  ModelConfig config = model_config;
  config.platform = version.platform;
  absl::StatusOr<runtime::ModelPtr> loaded = runtime::LoadReshaped(*runtime, config, version.model_path);
  if (!loaded.ok()) return Annotate(loaded.status(), where);

  auto servable = std::make_unique<ServableModel>(version.version, *std::move(loaded));
  const ModelConfig& completed = servable->model().config();
  int instances = completed.instance_count;
  if (instances <= 0) instances = settings.default_instance_count;
  if (instances <= 0) instances = 1;
  scheduler::SchedulerOptions options{
      .model_name = model.name,
      .model_version = version.version,
      .instance_count = instances,
      .instance_options = PlanThreads({.instance_count = instances,
                                       .intra_op_threads = settings.default_intra_op_threads,
                                       .usable_cpus = settings.usable_cpus}),
      .deadline_timer = settings.deadline_timer,
  };
  // A composite's Execute is the sum of its steps': a chain of fast steps still runs on the
  // caller's thread, as each of its models would (a 3-step chain of trivial models measured
  // ~13 us, just under the limit, and noise kept sending it to a worker: two more hand-offs).
  const int steps = std::max(completed.composite_steps,
                             static_cast<int>(completed.ensemble_steps.size()));
  if (steps > 1) options.inline_execution_limit *= steps;
  absl::StatusOr<scheduler::SchedulerPtr> scheduler =
      scheduler::CreateScheduler(servable->model(), std::move(options));
  if (!scheduler.ok()) return Annotate(scheduler.status(), where);
  servable->Serve(*std::move(scheduler));
  spdlog::info("model '{}' version {} ready ({} instance{}, {})", model.name, version.version,
               instances, instances == 1 ? "" : "s", where);
  return reaper.Adopt(std::move(servable));
}

}  // namespace tensord

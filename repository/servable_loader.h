// Turns one planned model version into a servable: the runtime loads the file under the
// config, then a scheduler starts its instances with the planned threads.
//
//   absl::StatusOr<ModelHandle> handle =
//       LoadServable(registry, reaper, plan, config, plan.versions[0], settings);
//
// The handle comes from `reaper`, which destroys the version once its last handle is gone
// (repository/servable_reaper.h). Errors name the model file. Thread-safe (loads of
// different versions may run at once).
#pragma once

#include "absl/status/statusor.h"
#include "repository/model_folder.h"
#include "repository/servable_model.h"
#include "repository/servable_reaper.h"
#include "runtime/runtime.h"

namespace tensord {

namespace scheduler {
class DeadlineTimer;
}

struct LoadSettings {
  int default_instance_count = 0;    // when the config names none (0: 1)
  int default_intra_op_threads = 0;  // 0: share the usable cores between instances
  int usable_cpus = 1;
  scheduler::DeadlineTimer* deadline_timer = nullptr;  // shared by every scheduler
};

absl::StatusOr<ModelHandle> LoadServable(const runtime::RuntimeRegistry& registry,
                                         ServableReaper& reaper, const ModelFolderPlan& model,
                                         const ModelConfig& model_config,
                                         const VersionPlan& version, const LoadSettings& settings);

}  // namespace tensord

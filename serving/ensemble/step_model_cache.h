// A composite model's step (ensemble or pipeline) remembers the version its last lookup
// found and reuses it while the repository's state has not changed (ModelRepository::
// changes()), instead of looking its model up (a lock and a map search) on every request.
//
//   StepModelCache cache;  // one per step and instance: one thread uses it at a time
//   absl::StatusOr<ModelHandle> model = cache.Get(lookup, changes, "pre", "");
//
// The version is held weakly: a cache never keeps an unloaded version alive.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "repository/servable_model.h"

namespace tensord {

// A model version as a plain request would get it: ModelRepository::Get.
using ModelLookup =
    std::function<absl::StatusOr<ModelHandle>(std::string_view name, std::string_view version)>;

// The repository's count of state changes; null: unknown, so every lookup is made afresh.
using ChangeCount = std::function<uint64_t()>;

class StepModelCache {
 public:
  absl::StatusOr<ModelHandle> Get(const ModelLookup& lookup, const ChangeCount& changes,
                                  std::string_view name, std::string_view version) {
    if (!changes) return lookup(name, version);
    // Read before the lookup: a change after it makes the count move, so it is not missed.
    const uint64_t now = changes();
    if (now == changes_) {
      if (ModelHandle model = model_.lock()) return model;
    }
    absl::StatusOr<ModelHandle> model = lookup(name, version);
    if (model.ok()) {
      changes_ = now;
      model_ = *model;
    } else {
      model_.reset();
    }
    return model;
  }

 private:
  uint64_t changes_ = 0;
  std::weak_ptr<const ServableModel> model_;
};

}  // namespace tensord

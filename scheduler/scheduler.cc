// CreateScheduler: builds the instances and the scheduler that serves them.
#include "scheduler/scheduler.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "scheduler/batch.h"
#include "scheduler/dynamic_scheduler.h"

namespace tensord::scheduler {

absl::StatusOr<SchedulerPtr> CreateScheduler(runtime::Model& model, SchedulerOptions options) {
  absl::StatusOr<BatchFormerOptions> batching = BatchFormerOptions::FromConfig(model.config());
  if (!batching.ok()) return batching.status();
  const int count = std::max(1, options.instance_count);
  std::vector<runtime::InstancePtr> instances;
  instances.reserve(count);
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<runtime::InstancePtr> instance = model.CreateInstance(options.instance_options);
    if (!instance.ok()) return instance.status();
    instances.push_back(*std::move(instance));
  }
  return std::make_unique<DynamicScheduler>(model, std::move(options), *std::move(batching),
                                            std::move(instances));
}

}  // namespace tensord::scheduler

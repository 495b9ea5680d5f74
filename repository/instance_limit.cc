#include "repository/instance_limit.h"

#include <algorithm>

#include "fmt/format.h"

namespace tensord {

int DefaultMaxInstancesPerModel(int usable_cpus) {
  return std::max(kMinMaxInstancesPerModel, 4 * std::clamp(usable_cpus, 1, 1 << 20));
}

absl::Status CheckInstanceCount(uint64_t count, int max_instances, std::string_view where,
                                std::string_view field) {
  if (max_instances >= 0 && count <= static_cast<uint64_t>(max_instances)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      fmt::format("{}: {} asks for {} instances; the limit is {} per model "
                  "(--max-instances-per-model)",
                  where, field, count, max_instances));
}

std::string_view InstanceCountField(std::string_view config_source) {
  return config_source.ends_with("model-settings.json") ? "parallel_workers"
                                                        : "instance_group count";
}

}  // namespace tensord

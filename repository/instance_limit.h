// The most instances one model version may run (instance_group count, parallel_workers):
// each instance is a thread and a runtime session, so a config or a load request asking for
// 100,000 of them exhausted memory (issue 10). The limit is the server's
// --max-instances-per-model (ModelRepository::Options::max_instances_per_model).
//
//   const int limit = DefaultMaxInstancesPerModel(UsableCpus());      // when not configured
//   if (absl::Status s = CheckInstanceCount(n, limit, "config override", "parallel_workers");
//       !s.ok()) return s;
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace tensord {

// Four instances per usable CPU, and never fewer than 16: more instances than cores only
// queue on the cores, so this leaves room for models that wait on memory without letting a
// config start thousands of threads.
inline constexpr int kMinMaxInstancesPerModel = 16;
int DefaultMaxInstancesPerModel(int usable_cpus);

// InvalidArgument "<where>: <field> asks for <count> instances; the limit is <max> per model
// (--max-instances-per-model)" when count > max_instances. Counts are never negative here
// (the config parsers refuse those); unsigned so that uint64 JSON values show as given.
absl::Status CheckInstanceCount(uint64_t count, int max_instances, std::string_view where,
                                std::string_view field);

// The field a config file's instance count came from, for messages: "parallel_workers" for
// MLServer's model-settings.json, "instance_group count" otherwise.
std::string_view InstanceCountField(std::string_view config_source);

}  // namespace tensord

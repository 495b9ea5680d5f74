// How many threads each model instance gets, honest about the cores this process may use.
//
//   int cpus = UsableCpus();                               // affinity mask and cgroup quota
//   runtime::InstanceOptions o = PlanThreads({.instance_count = 2, .usable_cpus = cpus});
//   // cpus == 8: two instances of 4 intra-op threads each
//
// Why: a runtime left to its defaults sizes its thread pool by the host's core count, so
// in a container limited to 2 CPUs on a 64-core host each instance starts 64 threads
// (ANCHORS.md: Triton's ONNX Runtime backend, onnxruntime_backend#245). Threads spinning
// on shared cores cost 10-30x in p99 (ORT.md), so spinning stays off.
#pragma once

#include <optional>
#include <string_view>

#include "runtime/runtime.h"

namespace tensord {

struct ThreadPlanRequest {
  int instance_count = 1;
  int intra_op_threads = 0;  // 0: share the usable cores between the instances
  int usable_cpus = 1;
};

// intra-op threads = the request if > 0, else max(1, usable_cpus / instance_count);
// inter-op threads = 1; spinning off.
runtime::InstanceOptions PlanThreads(const ThreadPlanRequest& request);

// The default count of a frontend's I/O threads (HTTP I/O threads, gRPC completion-queue
// threads): half the usable CPUs, at least 1 and at most 32. The other half is left to the
// models' instances, which run on threads of their own (docs/bench/overhead.md measures 1, 2
// and 4 threads on 4 cores the load generator does not share).
int DefaultFrontendThreads(int usable_cpus);

// CPUs this process may use: the smallest of the affinity mask's count and the cgroup CPU
// quota (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us), rounded up; at least 1.
int UsableCpus();

// Parsers for the cgroup files, taking their text so they can be tested. Return the quota
// in whole CPUs (rounded up), or nullopt when unlimited or unreadable.
//   cgroup v2 cpu.max: "max 100000" | "150000 100000"
std::optional<int> CpusFromCgroupV2CpuMax(std::string_view cpu_max);
//   cgroup v1: cpu.cfs_quota_us ("-1" = unlimited) and cpu.cfs_period_us
std::optional<int> CpusFromCgroupV1(std::string_view cfs_quota_us, std::string_view cfs_period_us);
//   /proc/self/cgroup: the cgroup v2 path ("0::/kubepods/pod1" -> "/kubepods/pod1").
std::optional<std::string> CgroupV2Path(std::string_view proc_self_cgroup);

}  // namespace tensord

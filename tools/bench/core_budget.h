// How many cores a process on this machine may use: the CPU affinity mask, further limited
// by a cgroup CPU quota (v2 cpu.max, or v1 cfs_quota_us / cfs_period_us). The host's core
// count says nothing about a container's share.
//
//   CoreBudget b = ReadCoreBudget();   // b.usable = min(affinity, quota), e.g. 2
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tensord::bench {

struct CoreBudget {
  int affinity = 1;                   // CPUs in sched_getaffinity
  std::optional<double> quota_cores;  // cgroup quota / period, when limited
  int usable = 1;                     // min(affinity, ceil(quota))
  std::string Describe() const;       // "2 (affinity 2, no cgroup quota)"
};

CoreBudget ReadCoreBudget();

// "max 100000" → nullopt; "150000 100000" → 1.5. nullopt for text it cannot read.
std::optional<double> ParseCgroupCpuMax(std::string_view text);

}  // namespace tensord::bench

#include "repository/thread_plan.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace tensord {
namespace {

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::optional<int64_t> ParseInt(std::string_view text) {
  text = Trim(text);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> CeilCpus(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  return static_cast<int>(std::max<int64_t>(1, (quota + period - 1) / period));
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

int AffinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

std::optional<int> CgroupCpus() {
  std::optional<int> cpus;
  auto keep_min = [&cpus](std::optional<int> found) {
    if (found && (!cpus || *found < *cpus)) cpus = found;
  };
  // v2: the process's own cgroup (when its path is visible) and the namespace root, which
  // is where a container sees its own limit.
  std::optional<std::string> v2_path;
  if (auto self = ReadFile("/proc/self/cgroup")) v2_path = CgroupV2Path(*self);
  if (v2_path && *v2_path != "/") {
    if (auto text = ReadFile("/sys/fs/cgroup" + *v2_path + "/cpu.max")) {
      keep_min(CpusFromCgroupV2CpuMax(*text));
    }
  }
  if (auto text = ReadFile("/sys/fs/cgroup/cpu.max")) keep_min(CpusFromCgroupV2CpuMax(*text));
  // v1
  for (const char* dir : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
    auto quota = ReadFile(std::string(dir) + "/cpu.cfs_quota_us");
    auto period = ReadFile(std::string(dir) + "/cpu.cfs_period_us");
    if (quota && period) keep_min(CpusFromCgroupV1(*quota, *period));
  }
  return cpus;
}

}  // namespace

runtime::InstanceOptions PlanThreads(const ThreadPlanRequest& request) {
  runtime::InstanceOptions options;
  const int instances = std::max(1, request.instance_count);
  const int usable = std::max(1, request.usable_cpus);
  options.intra_op_threads =
      request.intra_op_threads > 0 ? request.intra_op_threads : std::max(1, usable / instances);
  options.inter_op_threads = 1;
  // Never on by default: the cores are shared with the I/O threads and other instances, and
  // a spinning pool on a shared core is what makes p99 explode (ORT.md).
  options.allow_spinning = false;
  return options;
}

std::optional<int> CpusFromCgroupV2CpuMax(std::string_view cpu_max) {
  cpu_max = Trim(cpu_max);
  const auto space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view quota = cpu_max.substr(0, space);
  if (quota == "max") return std::nullopt;
  const std::optional<int64_t> q = ParseInt(quota);
  const std::optional<int64_t> p = ParseInt(cpu_max.substr(space + 1));
  if (!q || !p) return std::nullopt;
  return CeilCpus(*q, *p);
}

std::optional<int> CpusFromCgroupV1(std::string_view cfs_quota_us, std::string_view cfs_period_us) {
  const std::optional<int64_t> q = ParseInt(cfs_quota_us);
  const std::optional<int64_t> p = ParseInt(cfs_period_us);
  if (!q || !p) return std::nullopt;
  return CeilCpus(*q, *p);  // a quota of -1 means unlimited
}

std::optional<std::string> CgroupV2Path(std::string_view proc_self_cgroup) {
  while (!proc_self_cgroup.empty()) {
    const auto newline = proc_self_cgroup.find('\n');
    const std::string_view line = proc_self_cgroup.substr(0, newline);
    if (line.starts_with("0::")) return std::string(Trim(line.substr(3)));
    if (newline == std::string_view::npos) break;
    proc_self_cgroup.remove_prefix(newline + 1);
  }
  return std::nullopt;
}

int DefaultFrontendThreads(int usable_cpus) { return std::clamp(usable_cpus / 2, 1, 32); }

int UsableCpus() {
  int cpus = AffinityCpus();
  if (std::optional<int> quota = CgroupCpus(); quota && (cpus <= 0 || *quota < cpus)) {
    cpus = *quota;
  }
  return std::max(1, cpus);
}

}  // namespace tensord

#include "tools/bench/core_budget.h"

#include <sched.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

namespace tensord::bench {
namespace {

std::optional<std::string> ReadText(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<double> ParseCgroupCpuMax(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  try {
    const double q = std::stod(quota);
    if (q <= 0) return std::nullopt;
    return q / period;
  } catch (...) {
    return std::nullopt;
  }
}

std::string CoreBudget::Describe() const {
  return fmt::format("{} (affinity mask {}, {})", usable, affinity,
                     quota_cores ? fmt::format("cgroup quota {:.2g} cores", *quota_cores)
                                 : std::string("no cgroup CPU quota"));
}

CoreBudget ReadCoreBudget() {
  CoreBudget b;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) b.affinity = std::max(1, CPU_COUNT(&set));
  if (auto v2 = ReadText("/sys/fs/cgroup/cpu.max")) {
    b.quota_cores = ParseCgroupCpuMax(*v2);
  } else if (auto quota = ReadText("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")) {
    if (auto period = ReadText("/sys/fs/cgroup/cpu/cpu.cfs_period_us")) {
      b.quota_cores = ParseCgroupCpuMax(*quota + " " + *period);
    }
  }
  b.usable = b.affinity;
  if (b.quota_cores) {
    b.usable = std::min(b.usable, std::max(1, static_cast<int>(std::ceil(*b.quota_cores))));
  }
  return b;
}

}  // namespace tensord::bench

#include "frontend/http/console/process_usage.h"

#include <sched.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fmt/format.h"

namespace tensord::http {
namespace {

absl::StatusOr<std::string> ReadWhole(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::FailedPreconditionError(fmt::format("cannot read {}", path));
  return text.str();
}

std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\n')) ++at;
    const size_t end = text.find_first_of(" \n", at);
    if (at < text.size()) fields.push_back(text.substr(at, end - at));
    at = end == std::string_view::npos ? text.size() : end;
  }
  return fields;
}

template <typename T>
bool Parse(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

absl::StatusOr<ProcessUsage> ParseProcessUsage(const ProcFiles& files) {
  // /proc/self/stat: "pid (comm) state ..."; comm may hold spaces and ')', so the fields
  // are counted from the last ')'. utime, stime are fields 14, 15; starttime is 22 (1-based).
  const size_t paren = files.stat.rfind(')');
  if (paren == std::string_view::npos) {
    return absl::FailedPreconditionError("cannot parse /proc/self/stat: no ')'");
  }
  const std::vector<std::string_view> stat = Fields(files.stat.substr(paren + 1));
  // After "pid (comm)", field 3 (state) is stat[0]: field N is stat[N - 3].
  uint64_t utime = 0, stime = 0, start = 0;
  if (stat.size() < 20 || !Parse(stat[11], utime) || !Parse(stat[12], stime) ||
      !Parse(stat[19], start)) {
    return absl::FailedPreconditionError("cannot parse /proc/self/stat: too few fields");
  }
  const std::vector<std::string_view> statm = Fields(files.statm);
  uint64_t resident_pages = 0;
  if (statm.size() < 2 || !Parse(statm[1], resident_pages)) {
    return absl::FailedPreconditionError("cannot parse /proc/self/statm");
  }
  const std::vector<std::string_view> uptime = Fields(files.uptime);
  double system_uptime = 0;
  if (uptime.empty() || !Parse(uptime[0], system_uptime)) {
    return absl::FailedPreconditionError("cannot parse /proc/uptime");
  }
  const double ticks = static_cast<double>(files.ticks_per_second);
  ProcessUsage usage;
  usage.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  usage.uptime_seconds = std::max(0.0, system_uptime - static_cast<double>(start) / ticks);
  usage.rss_bytes = resident_pages * static_cast<uint64_t>(files.page_bytes);
  return usage;
}

absl::StatusOr<ProcessUsage> ReadProcessUsage() {
  absl::StatusOr<std::string> stat = ReadWhole("/proc/self/stat");
  if (!stat.ok()) return stat.status();
  absl::StatusOr<std::string> statm = ReadWhole("/proc/self/statm");
  if (!statm.ok()) return statm.status();
  absl::StatusOr<std::string> uptime = ReadWhole("/proc/uptime");
  if (!uptime.ok()) return uptime.status();
  absl::StatusOr<ProcessUsage> usage = ParseProcessUsage({.stat = *stat,
                                                          .statm = *statm,
                                                          .uptime = *uptime,
                                                          .ticks_per_second = sysconf(_SC_CLK_TCK),
                                                          .page_bytes = sysconf(_SC_PAGESIZE)});
  if (!usage.ok()) return usage.status();
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  usage->usable_cores = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
  return usage;
}

}  // namespace tensord::http

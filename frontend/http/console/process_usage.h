// What the server process uses right now, read from /proc on demand (nothing is sampled in
// the background: the console costs nothing while nobody looks).
//
//   absl::StatusOr<ProcessUsage> usage = ReadProcessUsage();
//   // usage->cpu_seconds grows by N per second while N cores are busy: a reader that wants
//   // "cores used" divides the difference of two reads by the time between them.
//
// Linux only. Thread-safe (reads files, keeps no state).
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace tensord::http {

struct ProcessUsage {
  double uptime_seconds = 0;  // since the process started
  double cpu_seconds = 0;     // user + system time of every thread, since the start
  uint64_t rss_bytes = 0;     // resident memory
  int usable_cores = 0;       // CPUs in the affinity mask
};

// FailedPrecondition, naming the file, when /proc cannot be read or parsed.
absl::StatusOr<ProcessUsage> ReadProcessUsage();

// The parsing, apart for tests: the contents of /proc/self/stat and /proc/self/statm and
// /proc/uptime, clock ticks per second and the page size.
struct ProcFiles {
  std::string_view stat;
  std::string_view statm;
  std::string_view uptime;
  long ticks_per_second = 100;
  long page_bytes = 4096;
};
absl::StatusOr<ProcessUsage> ParseProcessUsage(const ProcFiles& files);

}  // namespace tensord::http

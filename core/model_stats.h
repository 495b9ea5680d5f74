// One ready model version's scheduler counters, as Server::GetModelStats reports them for
// the statistics extension (GET v2/models/<m>/stats, gRPC ModelStatistics) and metrics.
//
//   for (const ModelStats& m : *server.GetModelStats("", "")) {
//     m.name; m.version; m.stats.success_count; ...   // scheduler/scheduler_stats.h
//   }
#pragma once

#include <cstdint>
#include <string>

#include "scheduler/scheduler_stats.h"

namespace tensord {

struct ModelStats {
  std::string name;
  std::string version;
  scheduler::SchedulerStats stats;
};

// Requests that reached an instance (succeeded or failed there): what Triton's queue and
// compute durations count. Rejected, timed-out and cancelled requests never executed.
inline uint64_t ExecutedRequests(const scheduler::SchedulerStats& s) {
  const uint64_t dropped = s.rejected_count + s.timeout_count + s.cancelled_count;
  return s.success_count + (s.failure_count > dropped ? s.failure_count - dropped : 0);
}

}  // namespace tensord

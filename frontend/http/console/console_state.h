// The JSON document behind the live console (GET /v2/console/state): the process's usage
// and every ready model version's counters, as they stand. Cumulative counters only: the
// page computes rates and percentiles from the difference of two reads, so the server keeps
// no history and does no work between requests (the console costs nothing when closed).
//
//   std::string body = EncodeConsoleState({.server = service.Metadata(),
//                                          .usage = *ReadProcessUsage(),
//                                          .model_control_mode = "explicit",
//                                          .models = *service.GetModelStats("", "")});
//
// {"server": {"name", "version", "model_control_mode", "uptime_s", "cpu_s", "rss_bytes",
//             "usable_cores"},
//  "duration_buckets_ns": [100000, ...],          upper bounds of the histograms below
//  "models": [{"name", "version", "success", "failure", "rejected", "timeout", "cancelled",
//              "inferences", "executions", "queue_ns", "compute_ns", "pending", "busy",
//              "instances", "last_inference_ms",
//              "queue_histogram": [n per bucket, last: above every bound],
//              "compute_histogram": [...],
//              "batch_sizes": [[rows, batches], ...]}]}
//
// Pure: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/inference_service.h"
#include "core/inference_stats.h"
#include "frontend/http/console/process_usage.h"

namespace tensord::http {

struct ConsoleStateInput {
  ServerMetadata server;
  ProcessUsage usage;
  std::string_view model_control_mode;  // "none", "explicit", "poll"
  std::vector<ModelStats> models;
};

std::string EncodeConsoleState(const ConsoleStateInput& input);

}  // namespace tensord::http

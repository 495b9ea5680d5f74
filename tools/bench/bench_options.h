// Everything a tensord-bench run is told on its command line (command_line.h parses it).
// Flag names follow perf_analyzer where the concept is the same.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/arrival_schedule.h"
#include "tools/bench/backend.h"

namespace tensord::bench {

// START:END:STEP as perf_analyzer writes it ("1:8:2", "4", "1:8" with step 1).
struct Range {
  double start = 1;
  double end = 1;
  double step = 1;
  std::vector<double> Values() const;
};
// `flag` names the option in messages ("--concurrency-range 0:4: start must be ...").
absl::StatusOr<Range> ParseRange(std::string_view text, std::string_view flag, bool integers);

// NAME:D1,D2,... → name and dims (each a positive integer).
absl::StatusOr<std::pair<std::string, std::vector<int64_t>>> ParseShapeFlag(std::string_view text);

struct BenchOptions {
  std::string model;
  std::string version;
  std::string url;  // -u; empty: localhost:8000 (HTTP) or localhost:8001 (gRPC)
  BackendKind backend = BackendKind::kRestJson;
  std::string model_repository;  // inprocess
  int parallel_workers = 0;      // inprocess: instances per model (0: server default)
  int64_t batch = 1;
  std::optional<Range> concurrency;  // default 1:1:1 when neither range is given
  std::optional<Range> rate;
  Distribution distribution = Distribution::kConstant;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::string input_data;
  std::optional<double> percentile;  // none: average latency drives stability
  int measurement_interval_ms = 5000;
  int max_trials = 10;
  double stability_percentage = 10;
  int64_t warmup_requests = -1;
  int max_threads = 16;
  uint64_t seed = 1;
  std::string perf_csv;  // -f
  bool verbose_csv = false;
  std::string csv;
  std::string json;
  std::string plot;
  bool progress = true;  // a live line when stdout is a TTY
};

// `tensord-bench saturate` adds these.
struct SaturateOptions {
  int max_workers = 2;
  int max_concurrency = 64;
  std::string server_bin = "build/release/server/tensord";
  std::vector<std::string> server_args;  // extra flags for `tensord serve`
  // -u as typed (before the default is filled in): the server whose repository API changes
  // the workers; empty: restart a local tensord.
  std::string url;
  bool reload = false;  // reload through the repository API instead of restarting
};

}  // namespace tensord::bench

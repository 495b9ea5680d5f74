// `tensord-bench saturate`: for workers = 1..--max-workers, reload the model at -u with W
// instances through the model repository API (repository_control.h) when the server
// answers it, else restart a local tensord with `--parallel-workers W` (or, with --backend
// inprocess, load the repository in-process with W instances), sweep concurrency 1, 2, 4, ... until
// throughput stops growing, and report the one-worker and n-worker max throughput, the latency at
// each, the knee and a recommended configuration (saturation.h holds the rules).
//
//   absl::Status s = RunSaturate(bench_options, saturate_options, std::cout);
#pragma once

#include <ostream>

#include "absl/status/status.h"
#include "tools/bench/bench_options.h"

namespace tensord::bench {

absl::Status RunSaturate(const BenchOptions& bench, const SaturateOptions& saturate,
                         std::ostream& out);

}  // namespace tensord::bench

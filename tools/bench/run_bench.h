// The plain `tensord-bench` command: read the model's metadata, build the requests, measure
// every point of the concurrency or rate range, print the table and write the files asked for.
//
//   absl::StatusOr<std::vector<PointResult>> r = RunBench(options, std::cout);
//
// Also used by `saturate` (with its own printing) through MeasurePoints.
#pragma once

#include <functional>
#include <ostream>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/backend.h"
#include "tools/bench/bench_options.h"
#include "tools/bench/load_runner.h"

namespace tensord::bench {

// A progress sink that redraws one line on a TTY and prints nothing otherwise.
std::function<void(const std::string&)> TtyProgress(bool enabled);
void ClearProgressLine(bool enabled);
bool StdoutIsTty();

RunnerOptions MakeRunnerOptions(const BenchOptions& options);

// Metadata → requests → Prepare. Errors name the model and the server.
absl::Status PrepareBackend(Backend& backend, const BenchOptions& options, ModelInfo* info);

absl::StatusOr<std::vector<PointResult>> RunBench(const BenchOptions& options, std::ostream& out);

}  // namespace tensord::bench

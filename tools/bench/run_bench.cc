#include "tools/bench/run_bench.h"

#include <unistd.h>

#include <cstdio>

#include "fmt/format.h"
#include "tools/bench/backend_factory.h"
#include "tools/bench/plot.h"
#include "tools/bench/report.h"
#include "tools/bench/request_inputs.h"

namespace tensord::bench {

bool StdoutIsTty() { return isatty(STDOUT_FILENO) == 1; }

std::function<void(const std::string&)> TtyProgress(bool enabled) {
  if (!enabled || !StdoutIsTty()) return nullptr;
  return [](const std::string& line) {
    std::fprintf(stdout, "\r\033[K%s", line.c_str());
    std::fflush(stdout);
  };
}

void ClearProgressLine(bool enabled) {
  if (enabled && StdoutIsTty()) {
    std::fprintf(stdout, "\r\033[K");
    std::fflush(stdout);
  }
}

RunnerOptions MakeRunnerOptions(const BenchOptions& o) {
  return RunnerOptions{
      .window = std::chrono::milliseconds(o.measurement_interval_ms),
      .max_trials = o.max_trials,
      .rule = {.tolerance = o.stability_percentage / 100.0, .windows = 3},
      .percentile = o.percentile,
      .warmup_requests = o.warmup_requests,
      .batch = o.batch,
      .max_threads = o.max_threads,
      .distribution = o.distribution,
      .seed = o.seed,
      .progress = TtyProgress(o.progress),
  };
}

absl::Status PrepareBackend(Backend& backend, const BenchOptions& o, ModelInfo* info) {
  absl::StatusOr<ModelInfo> metadata = backend.Metadata();
  if (!metadata.ok()) return metadata.status();
  absl::StatusOr<std::vector<RequestInputs>> requests = MakeRequests(
      *metadata, {.batch = o.batch, .shapes = o.shapes, .data_file = o.input_data, .seed = o.seed});
  if (!requests.ok()) return requests.status();
  if (absl::Status s = backend.Prepare(*requests); !s.ok()) return s;
  if (info) *info = *std::move(metadata);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PointResult>> RunBench(const BenchOptions& o, std::ostream& out) {
  absl::StatusOr<BackendPtr> backend = MakeBackend(o);
  if (!backend.ok()) return backend.status();
  ModelInfo info;
  if (absl::Status s = PrepareBackend(**backend, o, &info); !s.ok()) return s;

  const LoadMode mode = o.concurrency ? LoadMode::kConcurrency : LoadMode::kRate;
  const std::vector<double> loads = o.concurrency ? o.concurrency->Values() : o.rate->Values();
  ReportInfo report{.mode = mode,
                    .model = o.model,
                    .backend = (*backend)->Describe(),
                    .batch = o.batch,
                    .percentile = o.percentile,
                    .verbose_csv = o.verbose_csv};
  std::string shapes;
  for (const auto& t : info.inputs) shapes += fmt::format(" {}:{}", t.name, t.datatype);
  out << fmt::format(
      "tensord-bench: model '{}' over {}, batch {}, inputs{}; windows of {} ms, "
      "stability on {} within {}%\n\n",
      o.model, (*backend)->Describe(), o.batch, shapes, o.measurement_interval_ms,
      o.percentile ? fmt::format("p{:g}", *o.percentile) : std::string("average"),
      o.stability_percentage);
  out << TableHeader(mode) << std::flush;

  LoadRunner runner(**backend, MakeRunnerOptions(o));
  std::vector<PointResult> results;
  for (double load : loads) {
    absl::StatusOr<PointResult> r = runner.Run({mode, load});
    ClearProgressLine(o.progress);
    if (!r.ok()) return r.status();
    out << TableRow(*r) << std::flush;
    results.push_back(*std::move(r));
  }
  out << "\n" << TableNotes(results);

  if (!o.perf_csv.empty()) {
    if (absl::Status s = WriteFile(o.perf_csv, PerfAnalyzerCsv(results, report)); !s.ok()) return s;
  }
  if (!o.csv.empty()) {
    if (absl::Status s = WriteFile(o.csv, FullCsv(results, report)); !s.ok()) return s;
  }
  if (!o.json.empty()) {
    if (absl::Status s = WriteFile(o.json, JsonReport(results, report)); !s.ok()) return s;
  }
  if (!o.plot.empty()) {
    if (absl::Status s = Plot(results, report, o.plot); !s.ok()) return s;
    out << fmt::format("plot: {}\n", o.plot);
  }
  return results;
}

}  // namespace tensord::bench

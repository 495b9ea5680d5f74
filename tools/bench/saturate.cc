#include "tools/bench/saturate.h"

#include <memory>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tools/bench/backend_factory.h"
#include "tools/bench/report.h"
#include "tools/bench/run_bench.h"
#include "tools/bench/saturation.h"
#include "tools/bench/server_process.h"

namespace tensord::bench {
namespace {

SweepPoint ToSweepPoint(const PointResult& r) {
  return SweepPoint{
      .concurrency = static_cast<int>(r.point.value),
      .throughput = r.inferences_per_sec,
      .p50_us = r.latency.PercentileUs(50),
      .p99_us = r.latency.PercentileUs(99),
      .avg_batch = r.server ? std::optional<double>(r.server->avg_batch) : std::nullopt,
      .failed = r.failed_total,
      .stable = r.stable};
}

}  // namespace

absl::Status RunSaturate(const BenchOptions& bench, const SaturateOptions& sat, std::ostream& out) {
  const CoreBudget cores = ReadCoreBudget();
  const bool inprocess = bench.backend == BackendKind::kInProcess;
  out << fmt::format(
      "tensord-bench saturate: model '{}', backend {}, workers 1..{}, "
      "concurrency 1..{} (doubling), windows of {} ms; usable cores: {}\n",
      bench.model, BackendName(bench.backend), sat.max_workers, sat.max_concurrency,
      bench.measurement_interval_ms, cores.Describe());
  std::vector<WorkerResult> workers;
  nlohmann::json json_sweeps = nlohmann::json::array();
  for (int w = 1; w <= sat.max_workers; ++w) {
    BenchOptions options = bench;
    std::unique_ptr<ServerProcess> server;
    if (inprocess) {
      options.parallel_workers = w;
    } else {
      std::vector<std::string> args = {
          "serve", "--model-repository", bench.model_repository, "--http-port", "0", "--grpc-port",
          "0",     "--parallel-workers", std::to_string(w)};
      args.insert(args.end(), sat.server_args.begin(), sat.server_args.end());
      absl::StatusOr<std::unique_ptr<ServerProcess>> started =
          ServerProcess::Start(sat.server_bin, args);
      if (!started.ok()) return started.status();
      server = *std::move(started);
      const bool grpc =
          bench.backend == BackendKind::kGrpc || bench.backend == BackendKind::kGrpcStream;
      options.url = fmt::format("127.0.0.1:{}", grpc ? server->grpc_port() : server->http_port());
    }
    absl::StatusOr<BackendPtr> backend = MakeBackend(options);
    if (!backend.ok()) return backend.status();
    if (absl::Status s = PrepareBackend(**backend, options, nullptr); !s.ok()) return s;
    out << fmt::format("\n== {} worker(s): {}\n", w, (*backend)->Describe())
        << TableHeader(LoadMode::kConcurrency) << std::flush;
    LoadRunner runner(**backend, MakeRunnerOptions(options));
    std::vector<SweepPoint> points;
    std::vector<PointResult> results;
    for (int c = 1; c <= sat.max_concurrency && KeepSweeping(points); c *= 2) {
      absl::StatusOr<PointResult> r = runner.Run({LoadMode::kConcurrency, double(c)});
      ClearProgressLine(options.progress);
      if (!r.ok()) return r.status();
      out << TableRow(*r) << std::flush;
      points.push_back(ToSweepPoint(*r));
      results.push_back(*std::move(r));
    }
    out << TableNotes(results);
    const SweepSummary s = Summarize(points);
    out << fmt::format(
        "max {:.1f} inferences/s at concurrency {} (p50 {:.0f} µs, p99 {:.0f} µs); "
        "{}\n",
        s.max_throughput, s.max_at_concurrency, s.p50_at_max_us, s.p99_at_max_us,
        s.knee ? fmt::format("knee at concurrency {} (p99 above {}x the "
                             "low-load {:.0f} µs)",
                             *s.knee, kKneeFactor, s.low_load_p99_us)
               : fmt::format("no knee: p99 stayed under {}x the low-load {:.0f} µs", kKneeFactor,
                             s.low_load_p99_us));
    workers.push_back({w, s});
    nlohmann::json points_json = nlohmann::json::array();
    for (const SweepPoint& p : points) {
      points_json.push_back({{"concurrency", p.concurrency},
                             {"inferences_per_sec", p.throughput},
                             {"p50_us", p.p50_us},
                             {"p99_us", p.p99_us},
                             {"failed", p.failed},
                             {"stable", p.stable}});
    }
    json_sweeps.push_back(
        {{"workers", w},
         {"max_inferences_per_sec", s.max_throughput},
         {"max_at_concurrency", s.max_at_concurrency},
         {"p50_at_max_us", s.p50_at_max_us},
         {"p99_at_max_us", s.p99_at_max_us},
         {"knee_concurrency", s.knee ? nlohmann::json(*s.knee) : nlohmann::json()},
         {"points", points_json}});
    backend->reset();
    if (server) {
      const int code = server->Stop();
      if (code != 0) out << fmt::format("note: tensord exited with status {}\n", code);
    }
  }

  const Recommendation rec = Recommend(workers, cores);
  const WorkerResult& one = workers.front();
  const WorkerResult& n = workers.back();
  out << "\n== Saturation summary\n";
  out << fmt::format(
      "one-worker max throughput: {:.1f} inferences/s at concurrency {} (p50 "
      "{:.0f} µs, p99 {:.0f} µs)\n",
      one.summary.max_throughput, one.summary.max_at_concurrency, one.summary.p50_at_max_us,
      one.summary.p99_at_max_us);
  out << fmt::format(
      "{}-worker max throughput: {:.1f} inferences/s at concurrency {} (p50 "
      "{:.0f} µs, p99 {:.0f} µs)\n",
      n.workers, n.summary.max_throughput, n.summary.max_at_concurrency, n.summary.p50_at_max_us,
      n.summary.p99_at_max_us);
  for (const WorkerResult& w : workers) {
    out << fmt::format("  {} worker(s): knee {}\n", w.workers,
                       w.summary.knee ? fmt::format("at concurrency {}", *w.summary.knee)
                                      : std::string("not reached"));
  }
  out << fmt::format(
      "recommended: parallel_workers {}, max_batch_size {}, max_batch_time {:.2f} "
      "ms\n",
      rec.parallel_workers, rec.max_batch_size, rec.max_batch_time_ms);
  for (const std::string& line : rec.reasoning) out << "  - " << line << "\n";
  if (!bench.json.empty()) {
    nlohmann::json doc = {{"model", bench.model},
                          {"backend", BackendName(bench.backend)},
                          {"usable_cores", cores.usable},
                          {"sweeps", json_sweeps},
                          {"recommendation",
                           {{"parallel_workers", rec.parallel_workers},
                            {"max_batch_size", rec.max_batch_size},
                            {"max_batch_time_ms", rec.max_batch_time_ms},
                            {"reasoning", rec.reasoning}}}};
    if (absl::Status s = WriteFile(bench.json, doc.dump(2) + "\n"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace tensord::bench

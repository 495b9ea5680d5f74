#include "tools/bench/saturate.h"

#include <memory>

#include "core/status_util.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tools/bench/backend_factory.h"
#include "tools/bench/plot.h"
#include "tools/bench/report.h"
#include "tools/bench/repository_control.h"
#include "tools/bench/rest_backend.h"
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

// How the sweep changes the number of workers.
enum class ReloadPath { kInProcess, kRepositoryApi, kRestart };

std::string_view ReloadPathName(ReloadPath p) {
  switch (p) {
    case ReloadPath::kInProcess:
      return "in-process";
    case ReloadPath::kRepositoryApi:
      return "repository-api";
    case ReloadPath::kRestart:
      return "restart";
  }
  return "?";
}

// --plot results.png → results-1w.png, results-2w.png, ...: one sweep per image.
std::string WorkerPlotPath(const std::string& plot, int workers) {
  const size_t dot = plot.find_last_of('.');
  const size_t slash = plot.find_last_of('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  const std::string stem = has_ext ? plot.substr(0, dot) : plot;
  const std::string ext = has_ext ? plot.substr(dot) : ".png";
  return fmt::format("{}-{}w{}", stem, workers, ext);
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
  // A server at -u that answers the repository API is reloaded with W instances; otherwise
  // a local tensord is restarted with --parallel-workers W.
  const bool rest =
      bench.backend == BackendKind::kRestJson || bench.backend == BackendKind::kRestBinary;
  ReloadPath path = inprocess ? ReloadPath::kInProcess : ReloadPath::kRestart;
  RepositoryTarget target{.model = bench.model};
  std::string why_restart;
  if (!inprocess && !sat.url.empty()) {
    absl::Status s =
        rest
            ? ParseHostPort(sat.url, 8000, target.host, target.port)
            : absl::UnimplementedError("the repository API is used over HTTP: give a rest backend");
    if (s.ok()) s = LoadModelWithInstances(target, 1);
    if (s.ok()) {
      path = ReloadPath::kRepositoryApi;
    } else if (bench.model_repository.empty()) {
      return absl::FailedPreconditionError(fmt::format(
          "saturate cannot change the workers of the server at {}: {}; start it with "
          "--model-control-mode explicit, or give --model-repository DIR to restart a local "
          "tensord instead",
          sat.url, Message(s)));
    } else {
      why_restart = Message(s);
    }
  }
  switch (path) {
    case ReloadPath::kRepositoryApi:
      out << fmt::format(
          "workers: reloading '{}' at {}:{} with instance_group count W through the model "
          "repository API\n",
          bench.model, target.host, target.port);
      break;
    case ReloadPath::kRestart:
      out << fmt::format(
          "workers: restarting a local {} with --parallel-workers W{}\n", sat.server_bin,
          why_restart.empty() ? std::string()
                              : fmt::format(" (repository API not usable: {})", why_restart));
      break;
    case ReloadPath::kInProcess:
      out << "workers: loading the repository in-process with W instances\n";
      break;
  }
  std::vector<WorkerResult> workers;
  nlohmann::json json_sweeps = nlohmann::json::array();
  for (int w = 1; w <= sat.max_workers; ++w) {
    BenchOptions options = bench;
    std::unique_ptr<ServerProcess> server;
    if (path == ReloadPath::kInProcess) {
      options.parallel_workers = w;
    } else if (path == ReloadPath::kRepositoryApi) {
      if (w > 1) {  // 1 was loaded when the path was chosen
        if (absl::Status s = LoadModelWithInstances(target, w); !s.ok()) return s;
      }
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
    if (!bench.plot.empty()) {
      const std::string image = WorkerPlotPath(bench.plot, w);
      const ReportInfo info{
          .mode = LoadMode::kConcurrency,
          .model = fmt::format("{} ({} worker{})", bench.model, w, w == 1 ? "" : "s"),
          .backend = (*backend)->Describe(),
          .batch = bench.batch,
          .percentile = bench.percentile};
      if (absl::Status s = Plot(results, info, image); !s.ok()) return s;
      out << fmt::format("plot: {}\n", image);
    }
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

  const Recommendation rec = Recommend(workers, cores, static_cast<int>(bench.batch));
  const WorkerResult& one = workers.front();
  const WorkerResult& n = workers.back();
  out << "\n== Saturation summary\n";
  out << fmt::format("workers changed by: {}\n", ReloadPathName(path));
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
                          {"reload", ReloadPathName(path)},
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

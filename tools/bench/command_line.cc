#include "tools/bench/command_line.h"

#include "CLI/CLI.hpp"
#include "fmt/format.h"
#include "tools/bench/latency_histogram.h"

namespace tensord::bench {
namespace {

constexpr const char* kFooter = R"(
Measurement: each load point runs warm-up requests (discarded), then back-to-back windows of
--measurement-interval ms until the last 3 windows agree within --stability-percentage on
throughput and on latency (the --percentile, or the average when none is given), or
--max-trials windows ran ("unstable" in the output). Reported numbers merge those last 3
windows. Latency runs from send start to full response; with --request-rate-range it runs
from the INTENDED send time, so queueing behind a slow server is counted (coordinated
omission). Percentiles come from a log-linear (HdrHistogram-style) histogram: 1 ns to 60 s,
128 buckets per power of two, so every percentile is within 0.4% (2 significant digits).
Failed requests are counted per point and never enter the latency figures.

Examples:
  tensord-bench -m add_sub -u localhost:8000 --concurrency-range 1:8:2 -f perf.csv
  tensord-bench -m add_sub -i grpc -u localhost:8001 --request-rate-range 100:500:100
  tensord-bench -m mlp --backend inprocess --model-repository models -b 8
  tensord-bench saturate -m mlp --model-repository models --max-workers 2
  tensord-bench saturate -m mlp -u localhost:8000 --max-workers 4   (explicit mode server)
)";

// Flags as typed, before conversion.
struct RawFlags {
  std::string protocol;
  std::string backend;
  std::string concurrency;
  std::string rate;
  std::string distribution = "constant";
  std::vector<std::string> shapes;
  double percentile = -1;
};

void AddOptions(CLI::App& app, BenchOptions& o, RawFlags& raw) {
  app.add_option("-m,--model-name", o.model, "model to load (required)");
  app.add_option("-x,--model-version", o.version, "model version (default: the server's)");
  app.add_option("-u,--url", o.url,
                 "server HOST:PORT (default localhost:8000 for HTTP, localhost:8001 for gRPC)");
  app.add_option("-i,--protocol", raw.protocol, "http or grpc (as perf_analyzer)");
  app.add_option("--backend", raw.backend,
                 "rest-json | rest-binary | grpc | grpc-stream | inprocess (overrides -i)");
  app.add_option("--model-repository", o.model_repository,
                 "inprocess / saturate: the model repository folder");
  app.add_option("--parallel-workers", o.parallel_workers,
                 "inprocess: instances per model (tensord's --parallel-workers)");
  app.add_option("-b,--batch-size", o.batch, "rows per request: replaces the leading -1")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--concurrency-range", raw.concurrency,
                 "closed loop: START:END:STEP concurrent requests (default 1)");
  app.add_option("--request-rate-range", raw.rate, "open loop: START:END:STEP requests per second");
  app.add_option("--request-distribution", raw.distribution,
                 "open loop arrivals: constant or poisson");
  app.add_option("--shape", raw.shapes,
                 "NAME:D1,D2,... for an input's dynamic dimensions (repeatable)");
  app.add_option("--input-data", o.input_data,
                 "JSON file {\"data\":[{\"INPUT\":[...],...},...]} (default: random data)");
  app.add_option("--percentile", raw.percentile,
                 "latency percentile that drives stability and the -f summary (default: average)");
  app.add_option("-p,--measurement-interval", o.measurement_interval_ms, "measurement window in ms")
      ->check(CLI::Range(10, 3'600'000));
  app.add_option("-r,--max-trials", o.max_trials, "windows per point before giving up as unstable")
      ->check(CLI::Range(1, 1000));
  app.add_option("-s,--stability-percentage", o.stability_percentage,
                 "allowed deviation between the last 3 windows, %")
      ->check(CLI::Range(0.1, 100.0));
  app.add_option("--warmup-requests,--warmup-request-count", o.warmup_requests,
                 "requests discarded before measuring each point (-1: max(10, 2 x workers))")
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 40));
  app.add_option("--max-threads", o.max_threads, "open loop: worker threads")
      ->check(CLI::Range(1, 4096));
  app.add_option("--seed", o.seed, "seed for random data and Poisson arrivals");
  app.add_option("-f,--latency-report-file", o.perf_csv, "CSV in perf_analyzer's -f format");
  app.add_flag("--verbose-csv", o.verbose_csv, "-f: add perf_analyzer's verbose columns");
  app.add_option("--csv", o.csv, "CSV with every measured number");
  app.add_option("--json", o.json, "JSON with every measured number");
  app.add_option("--plot", o.plot, "FILE.png or FILE.svg: latency and throughput (gnuplot)");
  app.add_flag("!--no-progress", o.progress, "no live progress line");
}

absl::Status Finish(const RawFlags& raw, BenchOptions& o) {
  if (o.model.empty()) return absl::InvalidArgumentError("-m MODEL is required");
  std::string backend = raw.backend;
  if (!raw.protocol.empty() && raw.protocol != "http" && raw.protocol != "grpc" &&
      raw.protocol != "HTTP" && raw.protocol != "GRPC") {
    return absl::InvalidArgumentError(fmt::format("-i {}: expected http or grpc", raw.protocol));
  }
  const bool grpc_protocol = raw.protocol == "grpc" || raw.protocol == "GRPC";
  if (backend.empty()) backend = grpc_protocol ? "grpc" : "rest-json";
  if (backend == "rest-json")
    o.backend = BackendKind::kRestJson;
  else if (backend == "rest-binary")
    o.backend = BackendKind::kRestBinary;
  else if (backend == "grpc")
    o.backend = BackendKind::kGrpc;
  else if (backend == "grpc-stream")
    o.backend = BackendKind::kGrpcStream;
  else if (backend == "inprocess")
    o.backend = BackendKind::kInProcess;
  else {
    return absl::InvalidArgumentError(fmt::format(
        "--backend {}: expected rest-json, rest-binary, grpc, grpc-stream or inprocess", backend));
  }
  const bool grpc_backend =
      o.backend == BackendKind::kGrpc || o.backend == BackendKind::kGrpcStream;
  const bool rest_backend =
      o.backend == BackendKind::kRestJson || o.backend == BackendKind::kRestBinary;
  if (!raw.protocol.empty() &&
      ((grpc_protocol && rest_backend) || (!grpc_protocol && grpc_backend))) {
    return absl::InvalidArgumentError(
        fmt::format("-i {} contradicts --backend {}", raw.protocol, backend));
  }
  if (o.backend == BackendKind::kInProcess && o.model_repository.empty()) {
    return absl::InvalidArgumentError("--backend inprocess needs --model-repository DIR");
  }
  if (o.url.empty()) o.url = grpc_backend ? "localhost:8001" : "localhost:8000";
  if (!raw.concurrency.empty() && !raw.rate.empty()) {
    return absl::InvalidArgumentError(
        "--concurrency-range and --request-rate-range are exclusive: pick one load mode");
  }
  if (!raw.concurrency.empty()) {
    absl::StatusOr<Range> r = ParseRange(raw.concurrency, "--concurrency-range", true);
    if (!r.ok()) return r.status();
    o.concurrency = *r;
  } else if (!raw.rate.empty()) {
    absl::StatusOr<Range> r = ParseRange(raw.rate, "--request-rate-range", false);
    if (!r.ok()) return r.status();
    o.rate = *r;
  } else {
    o.concurrency = Range{};
  }
  if (raw.distribution == "constant")
    o.distribution = Distribution::kConstant;
  else if (raw.distribution == "poisson")
    o.distribution = Distribution::kPoisson;
  else {
    return absl::InvalidArgumentError(
        fmt::format("--request-distribution {}: expected constant or poisson", raw.distribution));
  }
  for (const std::string& text : raw.shapes) {
    auto shape = ParseShapeFlag(text);
    if (!shape.ok()) return shape.status();
    o.shapes[shape->first] = shape->second;
  }
  if (raw.percentile != -1) {
    if (!(raw.percentile > 0 && raw.percentile <= 100)) {
      return absl::InvalidArgumentError(
          fmt::format("--percentile {}: expected a number in (0, 100]", raw.percentile));
    }
    o.percentile = raw.percentile;
  }
  if (!o.plot.empty() && !o.plot.ends_with(".png") && !o.plot.ends_with(".svg")) {
    return absl::InvalidArgumentError(
        fmt::format("--plot {}: the file name must end in .png or .svg", o.plot));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Command> ParseCommandLine(const std::vector<std::string>& args) {
  CLI::App app{
      "tensord-bench: load generator and saturation finder for Open Inference "
      "Protocol servers (tensord, Triton, MLServer, KServe)",
      "tensord-bench"};
  app.footer(kFooter);
  app.require_subcommand(0, 1);
  Command command;
  RawFlags raw;
  AddOptions(app, command.bench, raw);
  // The subcommand has its own copy of every option, so flags go after "saturate".
  CLI::App* saturate = app.add_subcommand(
      "saturate",
      "find one-worker and n-worker max throughput: reload the model at -u with 1..N "
      "instances through the model repository API (or restart a local tensord with 1..N "
      "parallel workers), sweep concurrency, find the knee, recommend a configuration");
  Command sat_command;
  RawFlags sat_raw;
  AddOptions(*saturate, sat_command.bench, sat_raw);
  saturate
      ->add_option("--max-workers", sat_command.saturate.max_workers,
                   "largest --parallel-workers to try")
      ->check(CLI::Range(1, 256));
  saturate
      ->add_option("--max-concurrency", sat_command.saturate.max_concurrency,
                   "stop the concurrency sweep here")
      ->check(CLI::Range(1, 4096));
  saturate->add_option("--server-bin", sat_command.saturate.server_bin, "tensord binary")
      ->capture_default_str();
  saturate->add_option("--server-arg", sat_command.saturate.server_args,
                       "extra flag for `tensord serve` (repeatable)");
  // The measurement defaults of a sweep are shorter than a single run's.
  sat_command.bench.measurement_interval_ms = 1000;
  sat_command.bench.max_trials = 5;

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);  // CLI11 takes the arguments in reverse order
  } catch (const CLI::CallForHelp&) {
    return Command{.kind = Command::Kind::kHelp,
                   .text = saturate->parsed() ? saturate->help() : app.help()};
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = e.get_name();
    return absl::InvalidArgumentError(what);
  }
  if (saturate->parsed()) {
    sat_command.saturate.url = sat_command.bench.url;
    if (absl::Status s = Finish(sat_raw, sat_command.bench); !s.ok()) return s;
    if (sat_command.bench.model_repository.empty() && sat_command.saturate.url.empty()) {
      return absl::InvalidArgumentError(
          "saturate needs --model-repository DIR (the folder a local tensord serves) or "
          "-u HOST:PORT of a server with the model repository API in explicit mode");
    }
    sat_command.kind = Command::Kind::kSaturate;
    return sat_command;
  }
  if (absl::Status s = Finish(raw, command.bench); !s.ok()) return s;
  command.kind = Command::Kind::kRun;
  return command;
}

}  // namespace tensord::bench

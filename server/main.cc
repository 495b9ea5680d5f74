// tensord: wiring only. Parses flags, builds the runtimes, the server and its frontends,
// and waits for SIGINT/SIGTERM.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "frontend/access_log.h"
#include "frontend/auth/authenticator.h"
#include "frontend/grpc/grpc_server.h"
#include "frontend/http/connection_limits.h"
#include "frontend/http/http_server.h"
#include "frontend/log_format.h"
#include "metrics/metrics_server.h"
#include "repository/thread_plan.h"
#include "runtime/builtin.h"
#include "serving/server.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace {

struct Flags {
  std::string model_repository;
  std::string host = "0.0.0.0";
  int http_port = 8000;
  int grpc_port = 8001;
  int metrics_port = 8002;
  bool metrics_port_given = false;
  int http_threads = 0;  // 0: DefaultFrontendThreads(UsableCpus())
  int grpc_threads = 0;
  double http_max_body_mb = 64;
  double http_read_timeout_s = 30;
  double http_idle_timeout_s = 60;
  int http_max_connections = 0;  // set from the fd limit before parsing
  double grpc_max_message_mb = 64;
  int parallel_workers = 0;
  int intra_op_threads = 0;
  int max_instances_per_model = 0;
  bool strict_readiness = false;
  std::string model_control_mode = "none";
  std::vector<std::string> load_models;
  std::vector<std::string> pipelines;
  double repository_poll_secs = 15;
  double exit_timeout_secs = 30;
  // The python runtime (runtime/python/): how long predict() and load() may take.
  double python_predict_timeout_secs = 60;
  double python_load_timeout_secs = 120;
  bool exit_on_error = false;
  int log_verbose = 0;
  std::string log_format = "text";
  bool log_access = false;
  bool allow_client_shm = true;
  bool allow_load_files = true;
  int model_load_threads = 2;
  int max_pending_loads = 64;
  // The trace extension's starting settings (serving/tracer.h).
  std::string trace_file;
  std::vector<std::string> trace_level = {"OFF"};
  int64_t trace_rate = 1000;
  int64_t trace_count = -1;
  int64_t trace_log_frequency = 0;
  bool console = true;
  int max_shm_regions = 256;
  // Security (README "Security").
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  int tls_reload_secs = 1;
  // TLS ports beside the plain ones (-1: none; then --tls-cert makes the port itself TLS).
  int https_port = -1;
  int grpc_tls_port = -1;
  int metrics_https_port = -1;
  std::string auth_tokens;
  bool auth_open_health = true;
  int http_max_header_kb = 64;
  int http_max_header_fields = 100;
  int grpc_max_concurrent_streams = 1024;
  int max_tensors_per_request = 4096;
  int64_t max_elements_per_tensor = int64_t{1} << 28;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "tensord: %s\n", message.c_str());
  return 1;
}

int Serve(const Flags& flags) {
  spdlog::set_level(flags.log_verbose > 0 ? spdlog::level::debug : spdlog::level::info);
  absl::StatusOr<tensord::LogFormat> log_format = tensord::ParseLogFormat(flags.log_format);
  if (!log_format.ok()) return Fail(std::string(log_format.status().message()));
  tensord::ConfigureLogging(*log_format);
  // The access log, when asked for: JSON lines carry it as an "access" object, so it gets a
  // logger of its own on the same stream (spdlog's console sinks share one mutex).
  std::unique_ptr<tensord::SpdlogAccessLog> access_log;
  if (flags.log_access) {
    std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
    if (*log_format == tensord::LogFormat::kJson) {
      logger = std::make_shared<spdlog::logger>(
          "access", std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
      logger->set_formatter(std::make_unique<tensord::JsonLogFormatter>("access"));
    }
    access_log = std::make_unique<tensord::SpdlogAccessLog>(
        std::move(logger), *log_format == tensord::LogFormat::kJson);
  }

  std::error_code error;
  const std::filesystem::path root(flags.model_repository);
  if (!std::filesystem::exists(root, error)) {
    return Fail("model repository '" + flags.model_repository + "' does not exist");
  }
  if (!std::filesystem::is_directory(root, error)) {
    return Fail("model repository '" + flags.model_repository + "' is not a folder");
  }

  tensord::runtime::RuntimeRegistry registry;
  const tensord::runtime::BuiltinRuntimeOptions runtime_options{
      .python_predict_timeout =
          std::chrono::milliseconds(static_cast<int64_t>(flags.python_predict_timeout_secs * 1000)),
      .python_load_timeout =
          std::chrono::milliseconds(static_cast<int64_t>(flags.python_load_timeout_secs * 1000)),
      .default_workers = flags.parallel_workers,
      .usable_cpus = tensord::UsableCpus()};
  if (absl::Status s = tensord::runtime::RegisterBuiltinRuntimes(registry, runtime_options);
      !s.ok()) {
    return Fail("cannot start the runtimes: " + std::string(s.message()));
  }

  tensord::Server::Options options;
  options.model_repository = root;
  options.strict_readiness = flags.strict_readiness;
  options.allow_client_shm = flags.allow_client_shm;
  options.allow_load_files = flags.allow_load_files;
  options.load_threads = flags.model_load_threads;
  options.max_pending_loads = static_cast<size_t>(flags.max_pending_loads);
  options.trace = {.file = flags.trace_file,
                   .level = flags.trace_level,
                   .rate = flags.trace_rate,
                   .count = flags.trace_count,
                   .log_frequency = flags.trace_log_frequency};
  options.log_verbose_level = static_cast<uint32_t>(std::max(flags.log_verbose, 0));
  options.log_format = flags.log_format;
  options.max_shm_regions = static_cast<size_t>(flags.max_shm_regions);
  options.default_instance_count = flags.parallel_workers;
  options.default_intra_op_threads = flags.intra_op_threads;
  options.max_instances_per_model = flags.max_instances_per_model;
  if (flags.model_control_mode == "poll") {
    options.model_control_mode = tensord::ModelControlMode::kPoll;
  } else if (flags.model_control_mode == "explicit") {
    options.model_control_mode = tensord::ModelControlMode::kExplicit;
  }
  if (!flags.load_models.empty() &&
      options.model_control_mode != tensord::ModelControlMode::kExplicit) {
    return Fail(
        "--load-model needs --model-control-mode explicit (the other modes load every model)");
  }
  options.startup_models = flags.load_models;
  if (!flags.pipelines.empty() && options.model_control_mode == tensord::ModelControlMode::kPoll) {
    return Fail(
        "--pipeline needs --model-control-mode none or explicit (in poll mode put the "
        "pipeline.yaml in a folder of the repository)");
  }
  options.pipeline_files.assign(flags.pipelines.begin(), flags.pipelines.end());
  options.poll_interval =
      std::chrono::milliseconds(static_cast<int64_t>(flags.repository_poll_secs * 1000));
  // Triton's names for the protocol extensions both frontends implement.
  options.extensions = {"binary_tensor_data",
                        "parameters",
                        "schedule_policy",
                        "statistics",
                        "model_configuration",
                        "model_repository",
                        "classification",
                        "logging",
                        "trace"};
  if (flags.allow_client_shm) options.extensions.push_back("system_shared_memory");
  absl::StatusOr<std::unique_ptr<tensord::Server>> server =
      tensord::Server::Create(options, registry);
  if (!server.ok()) return Fail(std::string(server.status().message()));

  // The repository has logged each model's state and, for failures, the reason.
  const bool all_ready = (*server)->AllModelsReady();
  if (!all_ready && flags.exit_on_error) return Fail("a model failed to load (--exit-on-error)");

  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return Fail("--tls-cert and --tls-key go together");
  }
  if (!flags.tls_client_ca.empty() && flags.tls_cert.empty()) {
    return Fail("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key");
  }
  std::optional<tensord::http::TlsOptions> tls;
  if (!flags.tls_cert.empty()) {
    tls = tensord::http::TlsOptions{.cert_file = flags.tls_cert,
                                    .key_file = flags.tls_key,
                                    .client_ca_file = flags.tls_client_ca,
                                    .reload_interval = std::chrono::seconds(flags.tls_reload_secs)};
  }
  const bool beside =
      flags.https_port >= 0 || flags.grpc_tls_port >= 0 || flags.metrics_https_port >= 0;
  if (beside && !tls) {
    return Fail(
        "--https-port, --grpc-tls-port and --metrics-https-port serve TLS beside the plain "
        "ports: they need --tls-cert and --tls-key");
  }
  const char* const tls_note = !tls ? ""
                               : flags.tls_client_ca.empty()
                                   ? " (TLS)"
                                   : " (TLS, client certificates required)";
  std::unique_ptr<tensord::auth::Authenticator> auth;
  if (!flags.auth_tokens.empty()) {
    absl::StatusOr<std::unique_ptr<tensord::auth::Authenticator>> created =
        tensord::auth::Authenticator::Create(
            {.tokens_file = flags.auth_tokens, .open_health = flags.auth_open_health});
    if (!created.ok()) return Fail(std::string(created.status().message()));
    auth = *std::move(created);
    spdlog::info("auth: every port needs a bearer token{} (--auth-tokens '{}'){}",
                 flags.tls_client_ca.empty() ? "" : " or a listed client certificate",
                 flags.auth_tokens,
                 flags.auth_open_health ? "; health endpoints stay open (--auth-open-health)" : "");
  } else if (tls) {
    spdlog::warn("TLS without --auth-tokens: anyone who can connect may call every endpoint");
  }

  // The frontends' threads: half the usable CPUs unless set; the rest run the models.
  const int usable_cpus = runtime_options.usable_cpus;
  const int http_threads =
      flags.http_threads > 0 ? flags.http_threads : tensord::DefaultFrontendThreads(usable_cpus);
  const int grpc_threads =
      flags.grpc_threads > 0 ? flags.grpc_threads : tensord::DefaultFrontendThreads(usable_cpus);
  spdlog::info(
      "{} usable CPUs: {} HTTP I/O thread(s) (--http-threads), {} gRPC completion-queue "
      "thread(s) (--grpc-threads)",
      usable_cpus, http_threads, grpc_threads);

  tensord::http::HttpOptions http_options;
  http_options.host = flags.host;
  http_options.port = static_cast<uint16_t>(flags.http_port);
  http_options.io_threads = http_threads;
  http_options.max_body_bytes = static_cast<size_t>(flags.http_max_body_mb * 1024 * 1024);
  const auto exit_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.exit_timeout_secs * 1000));
  http_options.drain_timeout = exit_timeout;
  http_options.read_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.http_read_timeout_s * 1000));
  http_options.idle_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.http_idle_timeout_s * 1000));
  http_options.max_connections = static_cast<size_t>(flags.http_max_connections);
  http_options.access_log = access_log.get();
  // With --https-port the HTTP port stays plain and a second server answers over TLS.
  http_options.tls = flags.https_port >= 0 ? std::nullopt : tls;
  http_options.auth = auth.get();
  http_options.max_header_bytes = static_cast<uint32_t>(flags.http_max_header_kb) * 1024;
  http_options.max_header_fields = static_cast<size_t>(flags.http_max_header_fields);
  const tensord::RequestLimits request_limits{
      .max_tensors = static_cast<size_t>(flags.max_tensors_per_request),
      .max_elements = flags.max_elements_per_tensor};
  http_options.request_limits = request_limits;
  http_options.console = {.enabled = flags.console, .model_control_mode = flags.model_control_mode};
  absl::StatusOr<std::unique_ptr<tensord::http::HttpServer>> http =
      tensord::http::HttpServer::Start(**server, http_options);
  if (!http.ok()) return Fail(std::string(http.status().message()));
  spdlog::info("serving HTTP on {}:{}{}", flags.host, (*http)->port(),
               http_options.tls ? tls_note : "");
  std::unique_ptr<tensord::http::HttpServer> https;
  if (flags.https_port >= 0) {
    tensord::http::HttpOptions https_options = http_options;
    https_options.port = static_cast<uint16_t>(flags.https_port);
    https_options.tls = tls;
    absl::StatusOr<std::unique_ptr<tensord::http::HttpServer>> started =
        tensord::http::HttpServer::Start(**server, https_options);
    if (!started.ok()) {
      (*http)->Stop();
      return Fail(std::string(started.status().message()));
    }
    https = *std::move(started);
    spdlog::info("serving HTTPS on {}:{}{}, beside the plain HTTP port", flags.host, https->port(),
                 tls_note);
  }
  auto stop_http = [&] {
    if (https) https->Stop();
    (*http)->Stop();
  };
  if (flags.console) spdlog::info("live console at / on the HTTP port (--console=false: off)");
  spdlog::info("HTTP accepts at most {} connections (--http-max-connections)",
               flags.http_max_connections);

  tensord::grpc::GrpcOptions grpc_options;
  grpc_options.host = flags.host;
  grpc_options.port = static_cast<uint16_t>(flags.grpc_port);
  grpc_options.cq_threads = grpc_threads;
  grpc_options.max_message_bytes = static_cast<size_t>(flags.grpc_max_message_mb * 1024 * 1024);
  grpc_options.shutdown_grace = exit_timeout;
  grpc_options.access_log = access_log.get();
  grpc_options.auth = auth.get();
  grpc_options.max_concurrent_streams = flags.grpc_max_concurrent_streams;
  grpc_options.request_limits = request_limits;
  if (tls) {
    // The HTTP server has just loaded these files: they are valid.
    grpc_options.tls = tensord::grpc::GrpcTlsOptions{.cert_file = flags.tls_cert,
                                                     .key_file = flags.tls_key,
                                                     .client_ca_file = flags.tls_client_ca,
                                                     .reload_interval_s = flags.tls_reload_secs};
    if (flags.grpc_tls_port >= 0)
      grpc_options.tls_port = static_cast<uint16_t>(flags.grpc_tls_port);
  }
  absl::StatusOr<std::unique_ptr<tensord::grpc::GrpcServer>> grpc =
      tensord::grpc::GrpcServer::Start(**server, grpc_options);
  if (!grpc.ok()) {
    stop_http();
    return Fail(std::string(grpc.status().message()));
  }
  spdlog::info("serving gRPC on {}:{}{}", flags.host, (*grpc)->port(),
               grpc_options.tls_port ? "" : tls_note);
  if (grpc_options.tls_port) {
    spdlog::info("serving gRPC with TLS on {}:{}{}, beside the plain gRPC port", flags.host,
                 (*grpc)->tls_port(), tls_note);
  }

  // Metrics matter less than serving: a busy default port is logged, a port the operator
  // chose must work.
  std::unique_ptr<tensord::metrics::MetricsServer> metrics;
  absl::StatusOr<std::unique_ptr<tensord::metrics::MetricsServer>> started =
      tensord::metrics::MetricsServer::Start(
          **server, {.host = flags.host,
                     .port = static_cast<uint16_t>(flags.metrics_port),
                     .tls = flags.metrics_https_port >= 0 ? std::nullopt : tls,
                     .auth = auth.get()});
  if (started.ok()) {
    metrics = *std::move(started);
    spdlog::info("serving metrics on {}:{}{}", flags.host, metrics->port(),
                 flags.metrics_https_port >= 0 ? "" : tls_note);
  } else if (flags.metrics_port_given) {
    (*grpc)->Stop();
    stop_http();
    return Fail(std::string(started.status().message()));
  } else {
    spdlog::error("{}; no metrics (choose a port with --metrics-port)",
                  std::string(started.status().message()));
  }

  std::unique_ptr<tensord::metrics::MetricsServer> metrics_tls;
  if (flags.metrics_https_port >= 0) {
    absl::StatusOr<std::unique_ptr<tensord::metrics::MetricsServer>> started_tls =
        tensord::metrics::MetricsServer::Start(
            **server, {.host = flags.host,
                       .port = static_cast<uint16_t>(flags.metrics_https_port),
                       .tls = tls,
                       .auth = auth.get()});
    if (!started_tls.ok()) {
      (*grpc)->Stop();
      stop_http();
      return Fail(std::string(started_tls.status().message()));
    }
    metrics_tls = *std::move(started_tls);
    spdlog::info("serving metrics with TLS on {}:{}{}, beside the plain metrics port", flags.host,
                 metrics_tls->port(), tls_note);
  }

  // Wait for a stop signal on this thread; the frontends run on their own threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received signal {}, shutting down: finishing the requests in flight", received);
  // Readiness turns false first; then every frontend stops taking requests and answers those
  // it has (each within --exit-timeout-secs), in parallel.
  (*server)->StartDraining();
  std::thread grpc_stop([&grpc] { (*grpc)->Stop(); });
  std::thread https_stop([&https] {
    if (https) https->Stop();
  });
  (*http)->Stop();
  https_stop.join();
  grpc_stop.join();
  metrics_tls.reset();
  metrics.reset();
  // Drained: a python model's predict() still running must not hold the exit.
  tensord::runtime::BeginRuntimeShutdown();
  spdlog::info("stopped");
  return 0;
}

// `tensord optimize ARGS...`: the passes are Python (tools/optimize/README.md says why), so
// this execs /usr/bin/python3 on tools/optimize/optimize.py with the paths of the C++ tools
// it drives. Each is looked up beside the installed binary, then in the build tree
// (build/<preset>/server/tensord); TENSORD_OPTIMIZE_DIR overrides the script's folder.
int ExecOptimize(int argc, char** argv) {
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::filesystem::path bin = exe.parent_path();
  auto first_existing = [&](std::initializer_list<std::filesystem::path> paths) {
    for (const std::filesystem::path& p : paths) {
      if (std::filesystem::exists(p, error)) return p.lexically_normal();
    }
    return std::filesystem::path();
  };
  const char* dir_override = std::getenv("TENSORD_OPTIMIZE_DIR");
  const std::filesystem::path script =
      dir_override != nullptr ? std::filesystem::path(dir_override) / "optimize.py"
                              : first_existing({bin / "../share/tensord/optimize/optimize.py",
                                                bin / "../../../tools/optimize/optimize.py"});
  const std::filesystem::path helper = first_existing(
      {bin / "tensord-optimize-helper", bin / "../tools/optimize/tensord-optimize-helper"});
  const std::filesystem::path bench =
      first_existing({bin / "tensord-bench", bin / "../tools/bench/tensord-bench"});
  if (script.empty() || !std::filesystem::exists(script, error)) {
    return Fail("optimize: tools/optimize/optimize.py not found beside " + bin.string() +
                " (set TENSORD_OPTIMIZE_DIR to its folder)");
  }
  std::vector<std::string> args = {"/usr/bin/python3", script.string(),
                                   "--helper-bin=" + helper.string(),
                                   "--bench-bin=" + bench.string()};
  for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  execv(c_args[0], c_args.data());
  return Fail("optimize: cannot run /usr/bin/python3: " + std::string(std::strerror(errno)));
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG: every absl::Mutex lock (gRPC takes many per
  // call) would run the deadlock detector's bookkeeping under a global lock (issue 12).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && std::string_view(argv[1]) == "optimize") {
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);  // Ctrl-C must reach Python
    return ExecOptimize(argc, argv);
  }

  CLI::App app{"tensord: a model-inference server for the Open Inference Protocol"};
  app.set_version_flag("--version", std::string(tensord::TensordVersion()));
  app.require_subcommand(1);
  Flags flags;
  CLI::App* serve = app.add_subcommand("serve", "serve the models of a repository");
  // Listed for --help only: main() hands `optimize` to ExecOptimize before parsing.
  app.add_subcommand("optimize",
                     "make a model faster (quantize, prune, fp16, graph), measure it, write it "
                     "as a new version; tensord optimize --help")
      ->allow_extras();
  // Container platforms (KServe, Seldon Core 2) configure a server through its environment, so
  // the repository, ports and workers can come from TENSORD_* variables; a flag given wins.
  serve->add_option("--model-repository", flags.model_repository, "folder of model folders")
      ->envname("TENSORD_MODEL_REPOSITORY")
      ->required();
  serve->add_option("--host", flags.host, "address to listen on")->capture_default_str();
  serve->add_option("--http-port", flags.http_port, "HTTP port (0: any free port)")
      ->envname("TENSORD_HTTP_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--grpc-port", flags.grpc_port, "gRPC port (0: any free port)")
      ->envname("TENSORD_GRPC_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  CLI::Option* metrics_port =
      serve
          ->add_option("--metrics-port", flags.metrics_port,
                       "Prometheus metrics port, /metrics (0: any free port)")
          ->envname("TENSORD_METRICS_PORT")
          ->check(CLI::Range(0, 65535))
          ->capture_default_str();
  serve
      ->add_option("--http-threads", flags.http_threads,
                   "HTTP I/O threads (0: half the usable CPUs, at least 1)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  serve
      ->add_option("--grpc-threads", flags.grpc_threads,
                   "gRPC completion-queue threads (0: half the usable CPUs, at least 1)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  serve
      ->add_option("--grpc-max-message-mb", flags.grpc_max_message_mb,
                   "largest gRPC message received or sent, in MiB (larger: RESOURCE_EXHAUSTED)")
      ->check(CLI::Range(0.001, 2047.0))
      ->capture_default_str();
  serve
      ->add_option("--http-read-timeout-s", flags.http_read_timeout_s,
                   "a started request must fully arrive (and its reply be read) within this")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  serve
      ->add_option("--http-idle-timeout-s", flags.http_idle_timeout_s,
                   "keep-alive connections idle this long are closed")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  flags.http_max_connections = static_cast<int>(tensord::http::DefaultMaxConnections());
  serve
      ->add_option("--http-max-connections", flags.http_max_connections,
                   "open HTTP connections at most; more clients get 503 and are closed (default: "
                   "min(10000, (soft RLIMIT_NOFILE - 128) / 2))")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  serve
      ->add_option("--http-max-body-mb", flags.http_max_body_mb,
                   "largest request body accepted, in MiB (larger: 413)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--parallel-workers", flags.parallel_workers,
                   "instances per model when its config does not say (0: 1; python models: one "
                   "worker process per usable core)")
      ->envname("TENSORD_PARALLEL_WORKERS")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  serve
      ->add_option("--max-instances-per-model", flags.max_instances_per_model,
                   "most instances a model's config or a load request may ask for "
                   "(0: 4 per usable CPU, at least 16)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  serve
      ->add_option("--intra-op-threads", flags.intra_op_threads,
                   "threads per instance when the config does not say (0: share usable cores)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  serve
      ->add_option("--model-control-mode", flags.model_control_mode,
                   "none: load every model at start; poll: and follow the repository's changes; "
                   "explicit: load --load-model models, then what the repository API asks")
      ->check(CLI::IsMember({"none", "poll", "explicit"}))
      ->capture_default_str();
  serve->add_option("--load-model", flags.load_models,
                    "model to load at start in explicit mode (repeatable; '*': all)");
  serve
      ->add_option("--pipeline", flags.pipelines,
                   "a Seldon Core 2 Pipeline file to serve as <name>.pipeline (repeatable)")
      ->check(CLI::ExistingFile);
  serve
      ->add_option("--repository-poll-secs", flags.repository_poll_secs,
                   "seconds between repository scans in poll mode")
      ->check(CLI::Range(0.05, 86400.0))
      ->capture_default_str();
  serve
      ->add_option("--exit-timeout-secs", flags.exit_timeout_secs,
                   "on SIGTERM/SIGINT, how long requests in flight get to finish")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  serve
      ->add_option("--python-predict-timeout", flags.python_predict_timeout_secs,
                   "seconds a python model's predict() may take before its worker is killed "
                   "and restarted (the request gets 504)")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  serve
      ->add_option("--python-load-timeout", flags.python_load_timeout_secs,
                   "seconds a python model's import and load() may take")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  serve->add_flag("--strict-readiness", flags.strict_readiness,
                  "report the server ready only when every model loaded");
  serve->add_flag("--exit-on-error", flags.exit_on_error, "exit if any model fails to load");
  serve->add_option("--log-verbose", flags.log_verbose, "verbose logging level (0: off)")
      ->capture_default_str();

  serve
      ->add_option("--log-format", flags.log_format,
                   "text: '<ISO-8601 UTC time> <level> <message>' lines; json: one object per "
                   "line, {\"time\", \"level\", \"message\"}")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve->add_flag("--log-access", flags.log_access,
                  "log one line per inference request (REST and gRPC): model, status, latency");
  serve
      ->add_option("--console", flags.console,
                   "serve the live console on the HTTP port (GET /, /console; its data: GET "
                   "/v2/console/state); it does nothing while no page is open")
      ->capture_default_str();
  serve
      ->add_option("--trace-file", flags.trace_file,
                   "file the trace extension writes sampled request timelines to (Triton's "
                   "JSON; with a log frequency N, <file>.0, <file>.1, ...); only this flag "
                   "sets it")
      ->capture_default_str();
  serve
      ->add_option("--trace-level", flags.trace_level,
                   "OFF or TIMESTAMPS (changed live with POST /v2/trace/setting)")
      ->capture_default_str();
  serve->add_option("--trace-rate", flags.trace_rate, "trace one request in N")
      ->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()))
      ->capture_default_str();
  serve->add_option("--trace-count", flags.trace_count, "traces to record (-1: no limit)")
      ->check(CLI::Range(int64_t{-1}, std::numeric_limits<int64_t>::max()))
      ->capture_default_str();
  serve
      ->add_option("--trace-log-frequency", flags.trace_log_frequency,
                   "write every N traces to <trace file>.<index> (0: all at shutdown)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()))
      ->capture_default_str();
  serve
      ->add_option("--model-load-threads", flags.model_load_threads,
                   "models loaded at the same time (loads of one model never overlap)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve
      ->add_option("--max-pending-loads", flags.max_pending_loads,
                   "load and unload requests that may wait for a load thread; more are "
                   "refused (HTTP 429 / RESOURCE_EXHAUSTED)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  serve
      ->add_option("--allow-load-files", flags.allow_load_files,
                   "let a load request (admin role) carry the model's files as Triton's "
                   "'file:<path>' parameters; they are written only to a private staging "
                   "folder")
      ->capture_default_str();
  serve
      ->add_option("--allow-client-shm", flags.allow_client_shm,
                   "let clients register system shared-memory regions (Triton's flag; any "
                   "client that reaches the ports can then map POSIX shared-memory objects "
                   "this process may open)")
      ->capture_default_str();
  serve
      ->add_option("--max-shm-regions", flags.max_shm_regions,
                   "most system shared-memory regions registered at once")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();

  // Security: TLS on every port, bearer-token / client-certificate auth, header limits.
  serve
      ->add_option("--tls-cert", flags.tls_cert,
                   "PEM certificate chain: serve TLS (1.2+) on the HTTP, gRPC and metrics ports "
                   "(or beside them: --https-port, --grpc-tls-port, --metrics-https-port); "
                   "reloaded when the file changes")
      ->envname("TENSORD_TLS_CERT");
  serve->add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert")
      ->envname("TENSORD_TLS_KEY");
  serve
      ->add_option("--tls-client-ca", flags.tls_client_ca,
                   "PEM CA bundle: mutual TLS, every client must present a certificate it signed")
      ->envname("TENSORD_TLS_CLIENT_CA");
  serve
      ->add_option("--tls-reload-secs", flags.tls_reload_secs,
                   "how often the TLS files are checked for changes, in seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  serve
      ->add_option("--https-port", flags.https_port,
                   "with --tls-cert: serve HTTPS on this port and keep --http-port plain (side "
                   "by side; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve
      ->add_option("--grpc-tls-port", flags.grpc_tls_port,
                   "with --tls-cert: serve gRPC over TLS on this port and keep --grpc-port plain")
      ->check(CLI::Range(0, 65535));
  serve
      ->add_option("--metrics-https-port", flags.metrics_https_port,
                   "with --tls-cert: serve metrics over TLS on this port and keep "
                   "--metrics-port plain")
      ->check(CLI::Range(0, 65535));
  serve
      ->add_option("--auth-tokens", flags.auth_tokens,
                   "file of '<token> <role>[,<role>]' and 'cn:<client CN> <role>' lines (roles: "
                   "infer, admin, metrics): every port then needs credentials; reloaded on change")
      ->envname("TENSORD_AUTH_TOKENS");
  serve
      ->add_option("--auth-open-health", flags.auth_open_health,
                   "with --auth-tokens, leave /v2/health/* and gRPC ServerLive/ServerReady open "
                   "for probes")
      ->capture_default_str();
  serve
      ->add_option("--http-max-header-kb", flags.http_max_header_kb,
                   "largest HTTP request line and headers, in KiB (larger: 431)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  serve
      ->add_option("--http-max-header-fields", flags.http_max_header_fields,
                   "most HTTP header fields in a request (more: 431)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  serve
      ->add_option("--grpc-max-concurrent-streams", flags.grpc_max_concurrent_streams,
                   "gRPC calls at once per client connection (HTTP/2 streams; more wait); 0: no "
                   "limit")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();

  serve
      ->add_option("--max-tensors-per-request", flags.max_tensors_per_request,
                   "most inputs (and requested outputs) in one inference request (more: 400 / "
                   "INVALID_ARGUMENT)")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  serve
      ->add_option("--max-elements-per-tensor", flags.max_elements_per_tensor,
                   "most elements in one input tensor (more: 400 / INVALID_ARGUMENT)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 62))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  flags.metrics_port_given = metrics_port->count() > 0;
  return Serve(flags);
}

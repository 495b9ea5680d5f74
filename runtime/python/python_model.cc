#include "runtime/python/python_model.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "runtime/python/python_instance.h"
#include "spdlog/spdlog.h"

extern char** environ;

namespace tensord::runtime::python {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kInitialArenaBytes = 1 << 20;

// MLServer's server-wide settings.json at the repository's root: its parallel_workers.
int RepositoryParallelWorkers(const fs::path& model_folder) {
  std::ifstream file(model_folder.parent_path() / "settings.json");
  if (!file) return 0;
  json settings = json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (!settings.is_object()) return 0;
  auto it = settings.find("parallel_workers");
  if (it == settings.end() || !it->is_number_integer()) return 0;
  // MLServer runs a model in its main process at 0: one worker here.
  return static_cast<int>(std::clamp<int64_t>(it->get<int64_t>(), 1, 1024));
}

std::vector<std::string> WorkerEnvironment(const fs::path& python_dir) {
  std::vector<std::string> env;
  std::string user_path;
  bool has_omp = false;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (text.starts_with("PYTHONPATH=")) {
      user_path = std::string(text.substr(11));
      continue;
    }
    if (text.starts_with("OMP_NUM_THREADS=")) has_omp = true;
    env.emplace_back(text);
  }
  env.push_back(fmt::format("PYTHONPATH={}{}{}", python_dir.string(), user_path.empty() ? "" : ":",
                            user_path));
  env.push_back(
      fmt::format("TENSORD_MLSERVER_COMPAT={}", (python_dir / "mlserver_compat").string()));
  env.emplace_back("PYTHONDONTWRITEBYTECODE=1");
  // One worker is one core: numerical libraries' own thread pools would only fight the
  // other workers for the cores.
  if (!has_omp) {
    env.emplace_back("OMP_NUM_THREADS=1");
    env.emplace_back("OPENBLAS_NUM_THREADS=1");
    env.emplace_back("MKL_NUM_THREADS=1");
  }
  return env;
}

}  // namespace

absl::StatusOr<ModelPtr> PythonModel::Load(const ModelConfig& config, const fs::path& model_path,
                                           const PythonRuntimeOptions& options,
                                           std::shared_ptr<Forker> forker) {
  if (config.mlserver_settings.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "model '{}': the python runtime serves MLServer models (a model-settings.json naming an "
        "implementation); Triton's python backend (model.py) is not supported",
        config.name));
  }
  json settings = json::parse(config.mlserver_settings, nullptr, /*allow_exceptions=*/false);
  if (!settings.is_object()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: not a JSON object", config.source.empty() ? config.name : config.source));
  }
  std::string implementation;
  if (auto it = settings.find("implementation"); it != settings.end() && it->is_string()) {
    implementation = it->get<std::string>();
  }
  if (options.python_dir.empty() || !fs::exists(options.python_dir / "tensord_worker")) {
    return absl::FailedPreconditionError(
        fmt::format("model '{}': the python worker code (tensord_worker/) was not found; set "
                    "TENSORD_PYTHON_DIR to the folder that holds it",
                    config.name));
  }
  std::error_code ec;
  fs::path source = config.source.empty() ? fs::path() : fs::absolute(config.source, ec);
  fs::path folder = !source.empty()                    ? source.parent_path()
                    : fs::is_directory(model_path, ec) ? model_path
                                                       : model_path.parent_path();
  folder = fs::absolute(folder, ec);

  auto launch = std::make_shared<WorkerLaunch>();
  launch->forker = std::move(forker);
  launch->command = {.program = options.python,
                     .args = {"-u", "-m", "tensord_worker"},
                     .env = WorkerEnvironment(options.python_dir)};
  launch->load_message = json{
      {"op", "load"},
      {"name", config.name},
      {"settings", settings},
      {"source", source.string()},
      {"model_folder",
       folder.string()}}.dump(-1, ' ', false, json::error_handler_t::replace);
  launch->model_name = config.name;
  launch->implementation = implementation;
  launch->open_outputs = config.outputs.empty();
  launch->predict_timeout = options.predict_timeout;
  launch->load_timeout = options.load_timeout;

  ModelConfig completed = config;
  completed.any_inputs = completed.inputs.empty();
  completed.any_outputs = completed.outputs.empty();
  if (completed.instance_count <= 0) completed.instance_count = RepositoryParallelWorkers(folder);
  if (completed.instance_count <= 0) completed.instance_count = options.default_workers;
  if (completed.instance_count <= 0) completed.instance_count = std::max(1, options.usable_cpus);

  absl::StatusOr<ShmArena> arena =
      ShmArena::Create(fmt::format("tensord-python-{}", config.name), kInitialArenaBytes);
  if (!arena.ok()) return arena.status();
  absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = StartWorker(*launch, arena->fd());
  if (!worker.ok()) return worker.status();
  if (absl::Status s = AwaitLoaded(*launch, **worker); !s.ok()) return s;
  spdlog::info("model '{}': python worker (pid {}) loaded {}", config.name, (*worker)->pid(),
               implementation);

  auto model = std::unique_ptr<PythonModel>(new PythonModel(std::move(completed), launch));
  model->first_arena_ = std::make_unique<ShmArena>(*std::move(arena));
  model->first_worker_ = *std::move(worker);
  return ModelPtr(std::move(model));
}

absl::StatusOr<InstancePtr> PythonModel::CreateInstance(const InstanceOptions& /*options*/) {
  std::lock_guard lock(mutex_);
  if (first_worker_ != nullptr) {
    ShmArena arena = std::move(*first_arena_);
    first_arena_.reset();
    return InstancePtr(std::make_unique<PythonInstance>(launch_, std::move(arena),
                                                        std::move(first_worker_), true));
  }
  absl::StatusOr<ShmArena> arena =
      ShmArena::Create(fmt::format("tensord-python-{}", config_.name), kInitialArenaBytes);
  if (!arena.ok()) return arena.status();
  absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = StartWorker(*launch_, arena->fd());
  if (!worker.ok()) return worker.status();
  return InstancePtr(
      std::make_unique<PythonInstance>(launch_, *std::move(arena), *std::move(worker), false));
}

}  // namespace tensord::runtime::python

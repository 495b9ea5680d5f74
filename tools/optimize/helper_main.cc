// tensord-optimize-helper: the C++ half of `tensord optimize` (tools/optimize/README.md).
// The Python passes never load ONNX Runtime themselves (there is no Python binding here);
// whatever must behave exactly as the server does goes through this tool:
//
//   tensord-optimize-helper plan --model-repository DIR -m MODEL
//       prints, as JSON, what the server would load for the model: its folder, config file,
//       and each version the version policy selects with its model file and platform
//       (repository/model_folder.h's ScanModelFolder: the server's own rules).
//   tensord-optimize-helper run --model-repository DIR -m MODEL [-x VERSION]
//       --inputs DIR --outputs DIR [--batch N]
//       loads the repository in process and runs the samples (run_samples.h).
//
// Exit codes: 0 done, 1 failed (message on stderr), 2 bad command line.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "core/status_util.h"
#include "nlohmann/json.hpp"
#include "repository/model_folder.h"
#include "runtime/builtin.h"
#include "spdlog/spdlog.h"
#include "tools/optimize/run_samples.h"

namespace {

namespace fs = std::filesystem;

int Fail(std::string_view message) {
  std::fprintf(stderr, "tensord-optimize-helper: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return 1;
}

int Plan(const fs::path& repository, const std::string& model) {
  spdlog::set_level(spdlog::level::warn);
  tensord::runtime::RuntimeRegistry registry;
  if (absl::Status s = tensord::runtime::RegisterBuiltinRuntimes(registry); !s.ok()) {
    return Fail(tensord::Message(s));
  }
  const fs::path folder = repository / model;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return Fail(fmt::format("model '{}': no folder {} in the repository", model, folder.string()));
  }
  const tensord::ModelFolderPlan plan = tensord::ScanModelFolder(folder, registry);
  std::string config_file;  // the rule ScanModelFolder applies: config.pbtxt first
  for (const char* name : {"config.pbtxt", "model-settings.json"}) {
    if (config_file.empty() && fs::is_regular_file(folder / name, ec)) config_file = name;
  }
  nlohmann::json out = {{"folder", plan.folder.string()},
                        {"name", plan.name},
                        {"error", plan.error},
                        {"config_file", config_file},
                        {"max_batch_size", plan.config.max_batch_size},
                        // 0: the config sets none (the server's default, one instance)
                        {"instance_count", plan.config.instance_count},
                        {"versions", nlohmann::json::array()}};
  for (const tensord::VersionPlan& v : plan.versions) {
    out["versions"].push_back({{"version", v.version},
                               {"model_path", v.model_path.string()},
                               {"platform", v.platform},
                               {"error", v.error}});
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tensord-optimize-helper: the C++ side of `tensord optimize`"};
  app.require_subcommand(1);
  std::string repository;
  std::string model;
  CLI::App* plan = app.add_subcommand("plan", "print what the server would load for a model");
  plan->add_option("--model-repository", repository, "repository folder")->required();
  plan->add_option("-m,--model-name", model, "model")->required();

  tensord::optimize::RunSamplesOptions run_options;
  std::string inputs;
  std::string outputs;
  CLI::App* run = app.add_subcommand("run", "run a model in process over .npy samples");
  run->add_option("--model-repository", repository, "repository folder")->required();
  run->add_option("-m,--model-name", model, "model")->required();
  run->add_option("-x,--model-version", run_options.version, "version (default: highest)");
  run->add_option("--inputs", inputs, "folder of <input>.npy files")->required();
  run->add_option("--outputs", outputs, "folder for <output>.npy files")->required();
  run->add_option("--batch", run_options.batch, "rows per request; 0: each file whole")
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*plan) return Plan(repository, model);
  run_options.model_repository = repository;
  run_options.model = model;
  run_options.inputs_dir = inputs;
  run_options.outputs_dir = outputs;
  if (absl::Status s = tensord::optimize::RunSamples(run_options); !s.ok()) {
    return Fail(tensord::Message(s));
  }
  return 0;
}

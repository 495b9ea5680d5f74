// The interface every backend implements, in three levels as in Triton's backend API:
//   Runtime  — process-wide state of one backend (e.g. the ONNX Runtime environment);
//   Model    — one loaded model version: weights, metadata, completed configuration;
//   Instance — one session that executes one batch at a time.
//
//   RuntimeRegistry registry;
//   RegisterBuiltinRuntimes(registry);                    // runtime/builtin.h
//   Runtime* onnx = registry.Find("onnxruntime_onnx");
//   absl::StatusOr<ModelPtr> model = onnx->Load(config, "models/mlp/1/model.onnx");
//   absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({.intra_op_threads = 1});
//   absl::StatusOr<std::vector<Tensor>> outputs = (*instance)->Execute(inputs, {"probs"});
//
// Runtimes never know a wire format; they map their library's errors to absl codes
// (a bad input shape is InvalidArgument, not Internal) and never throw.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model_config.h"
#include "core/tensor.h"

namespace tensord::runtime {

struct InstanceOptions {
  int intra_op_threads = 1;  // threads one Execute may use
  int inter_op_threads = 1;
  bool allow_spinning = false;  // busy-wait in idle intra-op threads (bad on shared cores)
};

// Time an Execute spent on conversions (see Instance::ExecuteTimed).
struct ExecuteTimes {
  std::chrono::nanoseconds input{0};
  std::chrono::nanoseconds output{0};
};

// What an Execute may want to know of its request besides the tensors: the id and the
// request-level parameters (MLServer's content_type, Triton's timeout) of the batch's first
// request. Views, valid until the Execute that follows returns.
struct RequestContext {
  std::string_view id;
  const Parameters* parameters = nullptr;
  // Set when the client has gone (InferRequest::cancelled); composite models (ensembles,
  // pipelines) hand it to their step requests, so steps not started yet are dropped.
  std::shared_ptr<const std::atomic<bool>> cancelled;
};

// One session. Execute is called by one thread at a time; different instances of one
// model run concurrently.
class Instance {
 public:
  virtual ~Instance() = default;
  // Called by the scheduler before each Execute; runtimes that need no more than the
  // tensors (every C++ one) ignore it. The python runtime hands the parameters to predict().
  virtual void SetRequestContext(const RequestContext& /*context*/) {}
  // `inputs` have been validated against config(): every required input present once,
  // datatypes match, shapes fit (batch dimension included when the model batches), data
  // sizes match shapes. Returns the outputs named in `output_names`, in that order.
  virtual absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                                      std::span<const std::string> output_names) = 0;
  // Execute, also reporting how long it spent turning `inputs` into the library's values
  // and the library's results into Tensors (the statistics extension's compute_input and
  // compute_output; the rest is compute_infer). Runtimes that can tell override it; the
  // default reports nothing.
  virtual absl::StatusOr<std::vector<Tensor>> ExecuteTimed(
      std::span<const Tensor> inputs, std::span<const std::string> output_names,
      ExecuteTimes& times) {
    times = {};
    return Execute(inputs, output_names);
  }
};
using InstancePtr = std::unique_ptr<Instance>;

class Model {
 public:
  virtual ~Model() = default;
  // The configuration completed from the model file; constant after Load.
  virtual const ModelConfig& config() const = 0;
  // Thread-safe.
  virtual absl::StatusOr<InstancePtr> CreateInstance(const InstanceOptions& options) = 0;
};
using ModelPtr = std::unique_ptr<Model>;

class Runtime {
 public:
  virtual ~Runtime() = default;
  // File name a version folder holds when the config names none ("model.onnx").
  virtual std::string_view default_model_filename() const = 0;
  // Loads `model_path` under `config` (as parsed; inputs, outputs and types may be missing
  // and are read from the file). A config that contradicts the file is InvalidArgument,
  // naming both; an unreadable or corrupt file is InvalidArgument or NotFound with the reason.
  virtual absl::StatusOr<ModelPtr> Load(const ModelConfig& config,
                                        const std::filesystem::path& model_path) = 0;
  // Whether its models run other models of the repository (ensembles, pipelines): loading
  // the whole repository loads those after the others, so that their steps are ready.
  virtual bool composes_models() const { return false; }
  // Whether a version needs a model file. Runtimes whose model is all in the config
  // (ensembles, identity models) or in their folder (pipelines) load from the version folder,
  // or from the model's folder when it has no version folders.
  virtual bool needs_model_file() const { return true; }
};

// Runtimes by platform name (Triton's `platform`, `backend` and MLServer's implementation
// names all map here) and by model file extension. Filled at start-up, read-only after.
class RuntimeRegistry {
 public:
  void Register(std::string platform, std::shared_ptr<Runtime> runtime);
  // Maps another spelling (e.g. backend "onnxruntime") to a registered platform.
  void AddAlias(std::string alias, std::string platform);
  // Maps a model file extension (".onnx") to a registered platform.
  void AddFileExtension(std::string extension, std::string platform);
  // Maps every Python import path ("<module>.<Class>", as MLServer's `implementation`
  // names a custom runtime) that is not a platform or alias to `platform` (the python
  // runtime). Exact names and aliases win, so mlserver_xgboost.XGBoostModel stays C++.
  void SetPythonPathPlatform(std::string platform);

  // nullptr when unknown.
  Runtime* Find(std::string_view platform) const;
  // Canonical platform name for a platform or alias; empty when unknown.
  std::string Canonical(std::string_view platform) const;
  // Canonical platform for a model file name by its extension; empty when unknown.
  std::string PlatformForFile(const std::filesystem::path& file) const;
  std::vector<std::string> Platforms() const;

 private:
  std::map<std::string, std::shared_ptr<Runtime>, std::less<>> runtimes_;
  std::map<std::string, std::string, std::less<>> aliases_;
  std::map<std::string, std::string, std::less<>> extensions_;
  std::string python_path_platform_;
};

// Whether `name` reads as a Python import path of a class: two or more dot-separated
// identifiers ("models.MyModel", "pkg.sub.Model").
bool IsPythonImportPath(std::string_view name);

}  // namespace tensord::runtime

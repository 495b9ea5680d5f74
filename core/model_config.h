// The one model configuration that both repository formats (Triton's config.pbtxt and
// MLServer's model-settings.json) are parsed into, and that runtimes complete from the
// model file (ONNX inputs and outputs) when the config leaves things out.
//
// Dimensions follow Triton's convention: when max_batch_size > 0 the model has a leading
// batch dimension that `dims` does NOT include; when it is 0, `dims` is the full shape.
// -1 in dims means "any size".
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/datatype.h"
#include "core/shape.h"

namespace tensord {

struct TensorConfig {
  std::string name;
  DataType datatype = DataType::kInvalid;
  Shape dims;
  // Inputs: a request may leave it out. Outputs: computed only when a request names it,
  // not among those returned when a request names none (MLServer's XGBoost runtime
  // returns `predict` alone unless `predict_proba` is asked for).
  bool optional = false;
  // Inputs only, for runtimes that, like MLServer's, read a model's single input whatever
  // it is called and convert its datatype themselves (XGBoost):
  //   the model's only input accepts a request tensor of any name;
  bool accept_any_name = false;
  //   datatypes a request may send instead of `datatype` (which metadata reports).
  std::vector<DataType> accepted_datatypes;
  // Outputs only (Triton's label_filename): a file in the model's folder, one label per
  // line, the label of class index i on line i; the classification extension appends them.
  // `labels` is what the repository read from it when the model was loaded.
  std::string label_filename;
  std::shared_ptr<const std::vector<std::string>> labels;
  // Triton's reshape: the shape the model itself has for this tensor (without the batch
  // dimension when the model batches), while `dims` is what clients send and receive. The
  // data is the same; only the shape changes on the way in and out (runtime/reshape.h).
  std::optional<Shape> reshape;
};

// Adaptive batching (Triton's dynamic_batching, MLServer's max_batch_time). Present only
// when the config turns batching on.
struct BatchingConfig {
  std::chrono::microseconds max_queue_delay{0};
  std::vector<int64_t> preferred_batch_sizes;
  bool preserve_ordering = false;
  int64_t max_queue_size = 0;                    // 0: unbounded
  std::chrono::microseconds default_timeout{0};  // 0: none
};

// Which numbered version folders are served (Triton's version_policy). tensord's default
// is kAll, not Triton's latest-1: a version folder a user made is meant to be served.
struct VersionPolicy {
  enum class Kind { kAll, kLatest, kSpecific };
  Kind kind = Kind::kAll;
  int64_t num_versions = 1;           // kLatest: how many of the highest versions
  std::vector<std::string> specific;  // kSpecific: the version labels
};

// One step of a Triton ensemble (ensemble_scheduling.step): which model runs, and how its
// tensors are named in the ensemble (serving/ensemble/ensemble_graph.h runs them).
struct EnsembleStep {
  std::string model_name;
  int64_t model_version = -1;                     // -1: the highest ready version
  std::map<std::string, std::string> input_map;   // step model input -> ensemble tensor
  std::map<std::string, std::string> output_map;  // step model output -> ensemble tensor
};

struct ModelConfig {
  std::string name;
  // Runtime registry key: "onnxruntime_onnx" (Triton's platform name), later "xgboost".
  std::string platform;
  // File the config came from, for error messages; empty when derived from the model file.
  std::string source;
  int64_t max_batch_size = 0;  // 0: no batch dimension
  std::vector<TensorConfig> inputs;
  std::vector<TensorConfig> outputs;
  // Runtime options as strings (Triton's `parameters`, MLServer's `parameters.extra`).
  std::map<std::string, std::string> parameters;
  // Number of instances (parallel_workers / instance_group.count); 0: server default.
  int instance_count = 0;
  std::optional<BatchingConfig> batching;
  // Model file name inside a version folder (Triton's default_model_filename), or a path
  // relative to the model folder (MLServer's parameters.uri). Empty: the runtime's default.
  std::string model_file;
  // MLServer's parameters.version: the version label a single-file model is served under.
  std::string version_label;
  VersionPolicy version_policy;
  // The Triton configuration as its file (or a load's JSON override) gave it: a serialized
  // inference.ModelConfig (proto/model_config.proto), empty for other formats. Fields tensord
  // does not act on (format, optimization, model_warmup, ...) live only here and are
  // returned as given by the configuration extension (repository/config_export.h).
  std::string triton_fields;
  // Triton's ensemble_scheduling (platform "ensemble"): the steps, in the file's order.
  std::vector<EnsembleStep> ensemble_steps;
  // Composite models (ensembles, Seldon pipelines): how many step requests one request makes.
  // The scheduler's run-to-completion limit scales with it, as the composite's execution
  // time is the sum of its steps' (repository/servable_loader.cc).
  int composite_steps = 0;
  // MLServer's model-settings.json as its file gave it (empty for other formats): the python
  // runtime (runtime/python/) hands it to the model's own code, which reads fields tensord
  // does not model (implementation, parameters.extra with their JSON types, ...).
  std::string mlserver_settings;
  // MLServer custom models that declare no inputs (outputs): a request may send any inputs
  // (ask for any outputs) and the model's code decides, as MLServer accepts them. Set by the
  // python runtime, and by pipelines whose steps include such models; every other runtime's
  // requests are checked by name.
  bool any_inputs = false;
  bool any_outputs = false;
};

// Metadata as the protocol reports it (batch dimension shown as -1 when batched).
struct TensorMetadata {
  std::string name;
  DataType datatype = DataType::kInvalid;
  Shape shape;
};
struct ModelMetadata {
  std::string name;
  std::vector<std::string> versions;
  std::string platform;
  std::vector<TensorMetadata> inputs;
  std::vector<TensorMetadata> outputs;
};

// Metadata for `config` served as `versions`.
ModelMetadata MetadataFromConfig(const ModelConfig& config, std::vector<std::string> versions);

// Full shape pattern of a tensor: [-1] + dims when the model batches, else dims.
Shape FullShape(const ModelConfig& config, const TensorConfig& tensor);

}  // namespace tensord

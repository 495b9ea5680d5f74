// Fixed model configurations the fuzzers validate decoded requests against, and the limits
// the server applies by default (server/main.cc's flag defaults), so that each fuzzer feeds
// its decoder exactly what `tensord serve` would.
//
//   const ModelConfig& config = fuzz::ModelFor(selector);      // one of a few shapes
//   absl::Status valid = ValidateInferRequest(config, request);
//
// Header-only: every fuzzer is one translation unit plus the libraries it links.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/infer_request.h"
#include "core/model_config.h"
#include "core/request_validation.h"
#include "frontend/request_limits.h"
#include "repository/instance_limit.h"
#include "serving/mlserver_codecs.h"

namespace tensord::fuzz {

// --max-tensors-per-request / --max-elements-per-tensor defaults.
inline const RequestLimits kLimits{};
// --http-max-body-mb 64, --http-max-header-kb 64, --http-max-header-fields 100.
inline constexpr size_t kMaxBodyBytes = size_t{64} << 20;
inline constexpr uint32_t kMaxHeaderBytes = 64u << 10;
inline constexpr size_t kMaxHeaderFields = 100;
// --max-instances-per-model 0 means DefaultMaxInstancesPerModel(usable CPUs); 2 CPUs here.
inline int MaxInstances() { return DefaultMaxInstancesPerModel(2); }

inline TensorConfig Input(std::string name, DataType type, Shape dims) {
  return {.name = std::move(name), .datatype = type, .dims = std::move(dims)};
}

// "mlp": batching (max 8), one FP32 input [16] (request shape [-1, 16]), two outputs.
inline ModelConfig Mlp() {
  ModelConfig config{.name = "mlp", .platform = "onnxruntime_onnx", .max_batch_size = 8};
  config.inputs = {Input("input", DataType::kFp32, {16})};
  config.outputs = {Input("probabilities", DataType::kFp32, {4}),
                    Input("label", DataType::kInt64, {1})};
  config.batching = BatchingConfig{};
  return config;
}

// "add_sub": no batching, two INT32 inputs of any length, one optional.
inline ModelConfig AddSub() {
  ModelConfig config{.name = "add_sub", .platform = "onnxruntime_onnx"};
  config.inputs = {Input("INPUT0", DataType::kInt32, {-1}),
                   Input("INPUT1", DataType::kInt32, {-1})};
  config.inputs[1].optional = true;
  config.outputs = {Input("OUTPUT0", DataType::kInt32, {-1}),
                    Input("OUTPUT1", DataType::kInt32, {-1})};
  return config;
}

// "text": batching (max 4), one BYTES input [1]; and "any": XGBoost-like single input of
// any name and several accepted datatypes.
inline ModelConfig Text() {
  ModelConfig config{.name = "text", .platform = "onnxruntime_onnx", .max_batch_size = 4};
  config.inputs = {Input("text", DataType::kBytes, {1})};
  config.outputs = {Input("upper", DataType::kBytes, {1})};
  return config;
}

inline ModelConfig Any() {
  ModelConfig config{.name = "any", .platform = "xgboost"};
  config.inputs = {Input("predict", DataType::kFp32, {-1, 4})};
  config.inputs[0].accept_any_name = true;
  config.inputs[0].accepted_datatypes = {DataType::kFp64, DataType::kInt32, DataType::kFp16};
  config.outputs = {Input("predict", DataType::kFp32, {-1})};
  return config;
}

inline const std::vector<ModelConfig>& Models() {
  static const auto* const models = new std::vector<ModelConfig>{Mlp(), AddSub(), Text(), Any()};
  return *models;
}

inline const ModelConfig& ModelFor(uint8_t selector) {
  return Models()[selector % Models().size()];
}

// What Server::InferAsync does with a decoded request for each fixed model: MLServer's
// request codecs (serving/mlserver_codecs.h: a pandas request's columns assembled into the
// model's one input) on a copy, then the validation. Fuzzers that call it compile
// serving/mlserver_codecs.cc in (tensord_fuzzer's SOURCES).
inline void AdaptAndValidate(const InferRequest& request) {
  for (const ModelConfig& model : Models()) {
    InferRequest copy = request;
    if (AdaptMlserverCodecs(model, copy).ok()) (void)ValidateInferRequest(model, copy);
  }
}

// The model the REST route names, or nullptr (an unknown model: NotFound).
inline const ModelConfig* FindModel(std::string_view name) {
  for (const ModelConfig& model : Models()) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

// The runtime registry's Canonical with the built-in runtimes registered
// (runtime/onnx/onnx_runtime.cc, runtime/xgboost/xgboost_runtime.cc), without linking them.
inline std::string CanonicalPlatform(std::string_view name) {
  if (name == "onnxruntime_onnx" || name == "onnxruntime") return "onnxruntime_onnx";
  if (name == "xgboost" || name == "mlserver_xgboost.XGBoostModel" || name == "fil") {
    return "xgboost";
  }
  return {};
}

}  // namespace tensord::fuzz

// One ONNX Runtime session serving one model (runtime.h's Instance).
//
//   absl::StatusOr<InstancePtr> instance = OnnxInstance::Create(std::move(session), "mlp");
//   absl::StatusOr<std::vector<Tensor>> out = (*instance)->Execute(inputs, {"probs"});
//
// Outputs view ONNX Runtime's memory (no copy); each keeps its Ort::Value alive, so they
// may outlive the instance.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "onnxruntime_cxx_api.h"
#include "runtime/runtime.h"

namespace tensord::runtime::onnx {

class OnnxInstance final : public Instance {
 public:
  // `model_name` prefixes error messages.
  static absl::StatusOr<InstancePtr> Create(std::unique_ptr<Ort::Session> session,
                                            std::string_view model_name);

  // Only the requested outputs are computed. Errors ONNX Runtime reports while running
  // (shapes that do not broadcast, bad values) are InvalidArgument: they come from inputs.
  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override;
  absl::StatusOr<std::vector<Tensor>> ExecuteTimed(std::span<const Tensor> inputs,
                                                   std::span<const std::string> output_names,
                                                   ExecuteTimes& times) override;

 private:
  OnnxInstance(std::unique_ptr<Ort::Session> session, Ort::MemoryInfo cpu, std::string context);

  std::unique_ptr<Ort::Session> session_;
  Ort::MemoryInfo cpu_;
  Ort::RunOptions run_options_;
  std::string context_;  // "model 'mlp'"
};

}  // namespace tensord::runtime::onnx

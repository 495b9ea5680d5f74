// One ONNX Runtime session serving one model (runtime.h's Instance).
//
//   absl::StatusOr<InstancePtr> instance = OnnxInstance::Create(std::move(session), "mlp", 8);
//   absl::StatusOr<std::vector<Tensor>> out = (*instance)->Execute(inputs, {"probs"});
//
// Outputs whose shapes the model fixes before the run (output_plan.h) are written by ONNX
// Runtime into one block allocated per run; the others view ONNX Runtime's memory (no
// copy), each keeping its Ort::Value alive. Either way they may outlive the instance.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "onnxruntime_cxx_api.h"
#include "runtime/onnx/output_plan.h"
#include "runtime/runtime.h"

namespace tensord::runtime::onnx {

class OnnxInstance final : public Instance {
 public:
  // `model_name` prefixes error messages; `max_batch_size` is the config's (output_plan.h).
  static absl::StatusOr<InstancePtr> Create(std::unique_ptr<Ort::Session> session,
                                            std::string_view model_name, int64_t max_batch_size);

  // Only the requested outputs are computed. Errors ONNX Runtime reports while running
  // (shapes that do not broadcast, bad values) are InvalidArgument: they come from inputs.
  absl::StatusOr<std::vector<Tensor>> Execute(std::span<const Tensor> inputs,
                                              std::span<const std::string> output_names) override;
  absl::StatusOr<std::vector<Tensor>> ExecuteTimed(std::span<const Tensor> inputs,
                                                   std::span<const std::string> output_names,
                                                   ExecuteTimes& times) override;

 private:
  OnnxInstance(std::unique_ptr<Ort::Session> session, Ort::MemoryInfo cpu, std::string context,
               OutputPlans plans);

  std::unique_ptr<Ort::Session> session_;
  Ort::MemoryInfo cpu_;
  Ort::RunOptions run_options_;
  std::string context_;  // "model 'mlp'"
  const OutputPlans plans_;
  // Cleared for good when a run's outputs did not have the shapes the model declares.
  std::atomic<bool> preallocate_{true};
};

}  // namespace tensord::runtime::onnx

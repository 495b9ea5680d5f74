#include "runtime/onnx/onnx_instance.h"

#include <chrono>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "runtime/onnx/ort_status.h"
#include "runtime/onnx/ort_values.h"

namespace tensord::runtime::onnx {

absl::StatusOr<InstancePtr> OnnxInstance::Create(std::unique_ptr<Ort::Session> session,
                                                 std::string_view model_name) {
  std::string context = fmt::format("model '{}'", model_name);
  return GuardOrt(OrtPhase::kLoad, context, [&]() -> absl::StatusOr<InstancePtr> {
    Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    return InstancePtr(new OnnxInstance(std::move(session), std::move(cpu), std::move(context)));
  });
}

OnnxInstance::OnnxInstance(std::unique_ptr<Ort::Session> session, Ort::MemoryInfo cpu,
                           std::string context)
    : session_(std::move(session)), cpu_(std::move(cpu)), context_(std::move(context)) {
  // A kernel that fails on a client's input would also log an error line per request; the
  // failure reaches the client (and the server's own log) as the returned status instead.
  run_options_.SetRunLogSeverityLevel(ORT_LOGGING_LEVEL_FATAL);
}

absl::StatusOr<std::vector<Tensor>> OnnxInstance::Execute(
    std::span<const Tensor> inputs, std::span<const std::string> output_names) {
  ExecuteTimes ignored;
  return ExecuteTimed(inputs, output_names, ignored);
}

absl::StatusOr<std::vector<Tensor>> OnnxInstance::ExecuteTimed(
    std::span<const Tensor> inputs, std::span<const std::string> output_names,
    ExecuteTimes& times) {
  times = {};
  if (output_names.empty()) return std::vector<Tensor>{};
  using Clock = std::chrono::steady_clock;
  return GuardOrt(OrtPhase::kRun, context_, [&]() -> absl::StatusOr<std::vector<Tensor>> {
    const Clock::time_point start = Clock::now();
    InputValues values(cpu_, inputs.size());
    for (const Tensor& input : inputs) {
      absl::Status added = values.Add(input);
      if (!added.ok()) return added;
    }
    // Output names and values in place for the usual few outputs: no allocation of ours
    // per run beyond the output tensors.
    absl::InlinedVector<const char*, InputValues::kInline> names;
    absl::InlinedVector<Ort::Value, InputValues::kInline> results;
    names.reserve(output_names.size());
    results.reserve(output_names.size());
    for (const std::string& name : output_names) {
      names.push_back(name.c_str());
      results.emplace_back(nullptr);
    }
    const Clock::time_point prepared = Clock::now();
    times.input = prepared - start;

    session_->Run(run_options_, values.names().data(), values.values().data(),
                  values.values().size(), names.data(), results.data(), results.size());

    const Clock::time_point ran = Clock::now();
    std::vector<Tensor> outputs;
    outputs.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      absl::StatusOr<Tensor> output = OutputTensor(output_names[i], std::move(results[i]), values);
      if (!output.ok()) return output.status();
      outputs.push_back(*std::move(output));
    }
    times.output = Clock::now() - ran;
    return outputs;
  });
}

}  // namespace tensord::runtime::onnx

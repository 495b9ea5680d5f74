#include "runtime/onnx/onnx_instance.h"

#include <chrono>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "runtime/onnx/onnx_types.h"
#include "runtime/onnx/ort_status.h"
#include "runtime/onnx/ort_values.h"

namespace tensord::runtime::onnx {
namespace {

// A run's outputs go into a block of ours only up to this size: what preallocation saves is
// a fixed cost per output, which matters for small fast models only, and the shapes a model
// declares are not trusted for a large allocation before ONNX Runtime has checked them.
constexpr size_t kMaxPreallocatedBytes = 64 << 10;
constexpr size_t kOutputAlignment = 64;

DeclaredTensor Declared(std::string name, const Ort::TypeInfo& info) {
  DeclaredTensor declared{.name = std::move(name)};
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) return declared;
  Ort::ConstTensorTypeAndShapeInfo tensor = info.GetTensorTypeAndShapeInfo();
  absl::StatusOr<DataType> datatype = DataTypeFromOnnx(tensor.GetElementType());
  if (datatype.ok()) declared.datatype = *datatype;
  declared.dims = tensor.GetShape();
  std::vector<const char*> symbols(declared.dims.size(), nullptr);
  tensor.GetSymbolicDimensions(symbols.data(), symbols.size());
  for (const char* symbol : symbols) declared.symbols.emplace_back(symbol ? symbol : "");
  return declared;
}

OutputPlans PlansOf(Ort::Session& session, int64_t max_batch_size) {
  Ort::AllocatorWithDefaultOptions allocator;
  std::vector<DeclaredTensor> inputs, outputs;
  for (size_t i = 0; i < session.GetInputCount(); ++i) {
    inputs.push_back(
        Declared(session.GetInputNameAllocated(i, allocator).get(), session.GetInputTypeInfo(i)));
  }
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    outputs.push_back(
        Declared(session.GetOutputNameAllocated(i, allocator).get(), session.GetOutputTypeInfo(i)));
  }
  return OutputPlans(inputs, outputs, max_batch_size);
}

}  // namespace

absl::StatusOr<InstancePtr> OnnxInstance::Create(std::unique_ptr<Ort::Session> session,
                                                 std::string_view model_name,
                                                 int64_t max_batch_size) {
  std::string context = fmt::format("model '{}'", model_name);
  return GuardOrt(OrtPhase::kLoad, context, [&]() -> absl::StatusOr<InstancePtr> {
    Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    OutputPlans plans = PlansOf(*session, max_batch_size);
    return InstancePtr(
        new OnnxInstance(std::move(session), std::move(cpu), std::move(context), std::move(plans)));
  });
}

OnnxInstance::OnnxInstance(std::unique_ptr<Ort::Session> session, Ort::MemoryInfo cpu,
                           std::string context, OutputPlans plans)
    : session_(std::move(session)),
      cpu_(std::move(cpu)),
      context_(std::move(context)),
      plans_(std::move(plans)) {
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
    const size_t count = output_names.size();
    absl::InlinedVector<const char*, InputValues::kInline> names;
    absl::InlinedVector<Ort::Value, InputValues::kInline> results;
    absl::InlinedVector<std::optional<PlannedOutput>, InputValues::kInline> planned(count);
    absl::InlinedVector<size_t, InputValues::kInline> offsets(count, 0);
    names.reserve(count);
    results.reserve(count);
    size_t block_size = 0;
    const bool preallocate = preallocate_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < count; ++i) {
      names.push_back(output_names[i].c_str());
      results.emplace_back(nullptr);
      if (!preallocate) continue;
      planned[i] = plans_.Predict(output_names[i], inputs);
      if (!planned[i] || planned[i]->bytes > kMaxPreallocatedBytes - block_size) {
        planned[i].reset();
        continue;
      }
      offsets[i] = block_size;
      block_size +=
          (planned[i]->bytes + kOutputAlignment - 1) / kOutputAlignment * kOutputAlignment;
    }
    // operator new aligns to 16 bytes, enough for every fixed-size element type.
    std::shared_ptr<std::byte[]> block;
    if (block_size > 0) {
      block = std::make_shared_for_overwrite<std::byte[]>(block_size);
      for (size_t i = 0; i < count; ++i) {
        if (!planned[i]) continue;
        const Shape& shape = planned[i]->shape;
        results[i] = Ort::Value::CreateTensor(cpu_, block.get() + offsets[i], planned[i]->bytes,
                                              shape.data(), shape.size(),
                                              OnnxFromDataType(planned[i]->datatype));
      }
    }
    const Clock::time_point prepared = Clock::now();
    times.input = prepared - start;

    auto run = [&] {
      session_->Run(run_options_, values.names().data(), values.values().data(),
                    values.values().size(), names.data(), results.data(), results.size());
    };
    if (block == nullptr) {
      run();
    } else {
      try {
        run();
      } catch (const Ort::Exception&) {
        // Either the inputs are bad or the outputs did not have the shapes the model
        // declares. Run again with ONNX Runtime allocating them: the inputs' error, if it
        // is theirs, comes back from this run too.
        for (size_t i = 0; i < count; ++i) {
          results[i] = Ort::Value(nullptr);
          planned[i].reset();
        }
        block.reset();
        run();
        preallocate_.store(false, std::memory_order_relaxed);
      }
    }

    const Clock::time_point ran = Clock::now();
    std::vector<Tensor> outputs;
    outputs.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      // ONNX Runtime writes into the block it was given; should it ever hand back another
      // value instead, that value is the output.
      if (planned[i] && results[i].GetTensorRawData() == block.get() + offsets[i]) {
        outputs.push_back(
            Tensor{.name = output_names[i],
                   .datatype = planned[i]->datatype,
                   .shape = std::move(planned[i]->shape),
                   .data = Buffer::View({block.get() + offsets[i], planned[i]->bytes}, block)});
        continue;
      }
      absl::StatusOr<Tensor> output = OutputTensor(output_names[i], std::move(results[i]), values);
      if (!output.ok()) return output.status();
      outputs.push_back(*std::move(output));
    }
    times.output = Clock::now() - ran;
    return outputs;
  });
}

}  // namespace tensord::runtime::onnx

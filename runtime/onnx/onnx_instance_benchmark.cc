// tensord's ONNX instance against ONNX Runtime alone, on the two-input add_sub graph in the
// same binary and run: what Execute adds to a session's Run (the inputs wrapped, outputs
// made tensors), and what outputs of known shape save (output_plan.h).
//
//   build/<tree>/runtime/onnx/onnx_instance_benchmark
//
// named_add_sub names its batch dimension ("batch"), so its outputs' shapes are known before
// the run and go into one block; add_sub leaves it unnamed, so ONNX Runtime allocates them.
// BM_OrtAlone runs the same graphs through Ort::Session::Run with tensord's session options,
// the outputs allocated by ONNX Runtime (arg 0) or given (arg 1).
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "onnxruntime_cxx_api.h"
#include "runtime/onnx/onnx_runtime.h"
#include "runtime/onnx/onnx_test_util.h"

namespace tensord::runtime::onnx {
namespace {

using testing::MakeTensor;
using testing::TestModel;

constexpr int64_t kRows = 1;
const std::vector<std::string> kOutputs = {"sum", "diff"};

std::vector<Tensor> Inputs() {
  return {MakeTensor("a", DataType::kFp32, {kRows, 4}, std::vector<float>(kRows * 4, 1.5f)),
          MakeTensor("b", DataType::kFp32, {kRows, 4}, std::vector<float>(kRows * 4, 0.5f))};
}

void BM_Instance(benchmark::State& state, const std::string& file) {
  RuntimeRegistry registry;
  if (!RegisterOnnxRuntime(registry).ok()) return state.SkipWithError("no ONNX runtime");
  absl::StatusOr<ModelPtr> model =
      registry.Find(kPlatform)->Load({.name = "add_sub"}, TestModel(file));
  if (!model.ok()) return state.SkipWithError(model.status().ToString().c_str());
  absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance({});
  if (!instance.ok()) return state.SkipWithError(instance.status().ToString().c_str());
  const std::vector<Tensor> inputs = Inputs();
  for (auto _ : state) {
    absl::StatusOr<std::vector<Tensor>> out = (*instance)->Execute(inputs, kOutputs);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK_CAPTURE(BM_Instance, named_add_sub, std::string("named_add_sub.onnx"));
BENCHMARK_CAPTURE(BM_Instance, add_sub, std::string("add_sub.onnx"));

void BM_OrtAlone(benchmark::State& state, const std::string& file) {
  const bool given_outputs = state.range(0) == 1;
  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "bench");
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(1);
  options.SetInterOpNumThreads(1);
  options.AddConfigEntry("session.intra_op.allow_spinning", "0");
  options.AddConfigEntry("session.inter_op.allow_spinning", "0");
  Ort::Session session(env, TestModel(file).c_str(), options);
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<float> a(kRows * 4, 1.5f), b(kRows * 4, 0.5f), sum(kRows * 4), diff(kRows * 4);
  const int64_t shape[2] = {kRows, 4};
  const char* input_names[] = {"a", "b"};
  const char* output_names[] = {"sum", "diff"};
  Ort::RunOptions run_options;
  for (auto _ : state) {
    Ort::Value inputs[2] = {Ort::Value::CreateTensor<float>(cpu, a.data(), a.size(), shape, 2),
                            Ort::Value::CreateTensor<float>(cpu, b.data(), b.size(), shape, 2)};
    Ort::Value outputs[2] = {Ort::Value(nullptr), Ort::Value(nullptr)};
    if (given_outputs) {
      outputs[0] = Ort::Value::CreateTensor<float>(cpu, sum.data(), sum.size(), shape, 2);
      outputs[1] = Ort::Value::CreateTensor<float>(cpu, diff.data(), diff.size(), shape, 2);
    }
    session.Run(run_options, input_names, inputs, 2, output_names, outputs, 2);
    benchmark::DoNotOptimize(outputs);
  }
}
BENCHMARK_CAPTURE(BM_OrtAlone, add_sub, std::string("add_sub.onnx"))->Arg(0)->Arg(1);

}  // namespace
}  // namespace tensord::runtime::onnx

BENCHMARK_MAIN();

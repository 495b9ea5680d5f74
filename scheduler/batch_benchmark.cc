// Cost of merging requests into a batch and splitting the outputs back, per batch size.
//   build/sched/scheduler/scheduler_batch_benchmark --benchmark_min_time=0.2
// Inputs are one FP32 row of 256 values per request (the example MLP's input), outputs
// one row of 10 values.
#include <cstring>
#include <vector>

#include "benchmark/benchmark.h"
#include "scheduler/batch.h"

namespace tensord::scheduler {
namespace {

Tensor Row(std::string name, int64_t rows, int64_t width) {
  std::vector<std::byte> bytes(static_cast<size_t>(rows * width) * sizeof(float));
  return {.name = std::move(name),
          .datatype = DataType::kFp32,
          .shape = {rows, width},
          .data = Buffer::FromVector(std::move(bytes))};
}

void BM_MergeInputs(benchmark::State& state) {
  const int64_t batch = state.range(0);
  std::vector<InferRequest> requests(batch);
  std::vector<const InferRequest*> pointers;
  for (InferRequest& request : requests) {
    request.inputs.push_back(Row("x", 1, 256));
    pointers.push_back(&request);
  }
  for (auto _ : state) {
    absl::StatusOr<std::vector<Tensor>> merged = MergeInputs(pointers);
    benchmark::DoNotOptimize(merged);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_MergeInputs)->Arg(2)->Arg(8)->Arg(32);

void BM_SplitOutputs(benchmark::State& state) {
  const int64_t batch = state.range(0);
  const Tensor output = Row("probs", batch, 10);
  const std::vector<int64_t> rows(batch, 1);
  for (auto _ : state) {
    absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs({&output, 1}, rows);
    benchmark::DoNotOptimize(parts);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_SplitOutputs)->Arg(2)->Arg(8)->Arg(32);

void BM_BatchKey(benchmark::State& state) {
  InferRequest request;
  request.inputs.push_back(Row("x", 1, 256));
  const std::vector<std::string> outputs = {"probs"};
  for (auto _ : state) benchmark::DoNotOptimize(BatchKey(request, outputs));
}
BENCHMARK(BM_BatchKey);

}  // namespace
}  // namespace tensord::scheduler

BENCHMARK_MAIN();

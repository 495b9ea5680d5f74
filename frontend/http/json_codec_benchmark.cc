// Costs of the REST hot path without sockets: decoding an FP32 request and encoding an
// FP32 response, per float (shared/LIBRARIES.md measured simdjson at 10-13 ns and
// std::to_chars at 26-37 ns per float).
//
//   build/<tree>/frontend/http/http_json_codec_benchmark
#include <random>

#include "benchmark/benchmark.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "frontend/http/json_request_codec.h"
#include "frontend/http/json_response_codec.h"

namespace tensord::http {
namespace {

std::vector<float> RandomFloats(size_t count) {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> uniform(-4.0f, 4.0f);
  std::vector<float> values(count);
  for (float& value : values) value = uniform(random);
  return values;
}

void BM_DecodeFp32Request(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const std::vector<float> values = RandomFloats(static_cast<size_t>(rows) * 256);
  auto body = std::make_shared<PaddedBuffer>(
      fmt::format(R"({{"inputs":[{{"name":"x","shape":[{},256],"datatype":"FP32","data":[{}]}}]}})",
                  rows, fmt::join(values, ",")));
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<InferRequest>> request = DecodeInferRequest(body, {});
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}
BENCHMARK(BM_DecodeFp32Request)->Arg(1)->Arg(32);

void BM_EncodeFp32Response(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const std::vector<float> values = RandomFloats(static_cast<size_t>(rows) * 256);
  std::vector<std::byte> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  InferResponse response{.model_name = "m", .model_version = "1"};
  response.outputs.push_back({.name = "y",
                              .datatype = DataType::kFp32,
                              .shape = {rows, 256},
                              .data = Buffer::FromVector(std::move(bytes))});
  for (auto _ : state) {
    absl::StatusOr<EncodedResponse> encoded = EncodeInferResponse(response, {});
    benchmark::DoNotOptimize(encoded);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}
BENCHMARK(BM_EncodeFp32Response)->Arg(1)->Arg(32);

}  // namespace
}  // namespace tensord::http

BENCHMARK_MAIN();

// What tensord-bench knows about a model and sends to it, independent of the wire format.
//
//   ModelInfo info = ...;                 // from GET /v2/models/{m}, gRPC or in-process
//   InputTensor t{.name = "INPUT0", .datatype = "FP32", .shape = {1, 16}, .raw = bytes};
//
// `raw` holds the elements as the binary tensor extension sends them: little-endian,
// row-major; BYTES elements each as a 4-byte little-endian length then the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tensord::bench {

struct TensorSpec {
  std::string name;
  std::string datatype;        // protocol name: "FP32", "BYTES", ...
  std::vector<int64_t> shape;  // -1 marks a dynamic dimension
};

struct ModelInfo {
  std::string name;
  std::vector<std::string> versions;
  std::string platform;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};

struct InputTensor {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  std::string raw;
};

// One request's inputs.
using RequestInputs = std::vector<InputTensor>;

// Cumulative counters of Triton's statistics extension, summed over the model's versions.
// Durations in nanoseconds; queue and compute are summed per request, as in Triton.
struct ServerStatsSnapshot {
  uint64_t success_count = 0;
  uint64_t failure_count = 0;
  uint64_t inference_count = 0;  // rows
  uint64_t execution_count = 0;  // batches
  uint64_t queue_ns = 0;
  uint64_t compute_input_ns = 0;
  uint64_t compute_infer_ns = 0;
  uint64_t compute_output_ns = 0;
};

}  // namespace tensord::bench

// Builds the requests tensord-bench sends: shapes from the model's metadata with dynamic
// dimensions filled in, and either random data or the entries of an --input-data file.
//
//   InputOptions options{.batch = 4, .shapes = {{"TEXT", {8}}}};
//   absl::StatusOr<std::vector<RequestInputs>> requests = MakeRequests(info, options);
//
// Shapes: a leading -1 (the batch dimension, as Triton and MLServer report it) becomes
// `batch`. --shape NAME:DIMS gives the full shape, or the shape without the batch dimension
// when the model's shape starts with -1 (perf_analyzer's convention). Any other -1 left
// over is an error that names the input.
//
// --input-data FILE (a subset of perf_analyzer's format):
//   {"data": [{"INPUT0": [1, 2, 3, 4], "INPUT1": {"content": [5, 6], "shape": [1, 2]}}, ...]}
// Each entry is one request and must give every input, as a flat or nested array of
// elements (strings for BYTES) matching the resolved shape, or as content + its own shape.
// Workers cycle through the entries.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/model_types.h"

namespace tensord::bench {

struct InputOptions {
  int64_t batch = 1;
  std::map<std::string, std::vector<int64_t>> shapes;  // --shape overrides
  std::string data_file;                               // --input-data; empty: random data
  uint64_t seed = 1;
  int random_requests = 8;  // distinct random requests to cycle through
};

absl::StatusOr<std::vector<TensorSpec>> ResolveInputShapes(const ModelInfo& model,
                                                           const InputOptions& options);

// Random elements for `spec` (whose shape has no -1 left): numbers in [0, 1) or 0..99,
// BYTES as short lowercase strings.
absl::StatusOr<InputTensor> RandomTensor(const TensorSpec& spec, uint64_t seed);

absl::StatusOr<std::vector<RequestInputs>> MakeRequests(const ModelInfo& model,
                                                        const InputOptions& options);

}  // namespace tensord::bench

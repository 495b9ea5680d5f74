// Runs a model of a repository over samples with tensord's own core, in process: the same
// Server::Create + InferAsync path that `tensord-bench --backend inprocess` measures and
// that the REST and gRPC frontends call, so a candidate's outputs here are the ones the
// server will give.
//
//   RunSamplesOptions o{.model_repository = "tmp/repo", .model = "mlp",
//                       .inputs_dir = "samples", .outputs_dir = "out", .batch = 64};
//   absl::Status s = RunSamples(o);   // writes out/<output name>.npy
//
// Inputs: one <input name>.npy per input, first axis = sample, all with the same count.
// They are sent in requests of `batch` rows (shape [batch, rest...]; the last one may be
// shorter); batch 0 sends each file whole, shape as saved. Outputs are concatenated along
// the first axis in sample order.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace tensord::optimize {

struct RunSamplesOptions {
  std::filesystem::path model_repository;
  std::string model;
  std::string version;  // empty: the highest ready version
  std::filesystem::path inputs_dir;
  std::filesystem::path outputs_dir;
  int batch = 0;
};

// A model that does not load is FailedPrecondition/Unavailable with the runtime's reason;
// bad inputs are InvalidArgument naming the file; inference errors keep their code.
absl::Status RunSamples(const RunSamplesOptions& options);

}  // namespace tensord::optimize

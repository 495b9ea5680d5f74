// Triton's classification extension: a requested output with the "classification"
// parameter (Triton's client sends it for class_count; "class_count" is accepted too) comes
// back as the top-k classes instead of the raw tensor: BYTES elements
// "<value>:<index>[:<label>]", highest value first, shape [batch, k] for a model that
// batches and [k] otherwise (k is capped by the classes there are).
//
//   absl::StatusOr<Classifications> wanted = FindClassifications(*request);   // 400s
//   ... inference ...
//   absl::Status done = Classify(*wanted, config, *response);
//
// Values are compared in the output's own datatype and written as Triton writes them
// (floating point with six decimals, integers as they are); ties go to the lower index.
// Labels come from the output's label_filename (TensorConfig::labels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord {

struct Classification {
  std::string output;
  int64_t count = 0;
};
using Classifications = std::vector<Classification>;

// InvalidArgument naming the output when the parameter is not a positive integer.
absl::StatusOr<Classifications> FindClassifications(const InferRequest& request);

// InvalidArgument when a classified output is not numeric in the model's config.
absl::Status CheckClassifiable(const Classifications& wanted, const ModelConfig& config);

// The top-k of one output tensor. InvalidArgument for a BYTES output.
absl::StatusOr<Tensor> TopClasses(const Tensor& output, int64_t count, bool batched,
                                  const std::vector<std::string>* labels);

// Replaces each classified output of `response` by its top classes.
absl::Status Classify(const Classifications& wanted, const ModelConfig& config,
                      InferResponse& response);

}  // namespace tensord

// Checks an inference request against a model's configuration before it is queued, so
// that runtimes only ever see well-formed inputs and every client mistake becomes an
// InvalidArgument whose message names the tensor and the problem.
#pragma once

#include "absl/status/status.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord {

// Checks input names (known, none twice, every required one present), datatypes, shapes
// (the batch dimension within max_batch_size and equal across inputs), data sizes, and
// requested output names (known, none twice).
absl::Status ValidateInferRequest(const ModelConfig& config, const InferRequest& request);

}  // namespace tensord

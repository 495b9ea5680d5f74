// Triton's raw binary request: with Inference-Header-Content-Length: 0 the whole body is
// the binary data of the model's only input, and there is no JSON at all.
//
//   absl::StatusOr<ModelConfig> config = service.GetModelConfig(model, version);
//   absl::StatusOr<std::unique_ptr<InferRequest>> request = DecodeRawInferRequest(body, *config);
//
// The shape comes from the model: its batch dimension (when it batches) is 1, and at most
// one other variable dimension is deduced from the body size. A BYTES input must hold one
// element, which is the whole body. Every output is returned, as binary data (the request
// carries binary_data_output = true), as Triton does. Fixed-size data views the body.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

absl::StatusOr<std::unique_ptr<InferRequest>> DecodeRawInferRequest(
    const std::shared_ptr<const PaddedBuffer>& body, const ModelConfig& config);

}  // namespace tensord::http

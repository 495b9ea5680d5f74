// Decodes the body of POST /v2/models/{m}/infer into an InferRequest: the protocol's JSON
// request, optionally followed by binary tensor data (Triton's binary data extension).
//
//   auto body = std::make_shared<PaddedBuffer>(R"({"inputs":[{"name":"x","shape":[2],
//                                                "datatype":"FP32","data":[1,2]}]})");
//   absl::StatusOr<std::unique_ptr<InferRequest>> request = DecodeInferRequest(body, {});
//   (*request)->model_name = route.model;   // the URL names the model, not the body
//
// JSON data may be flat or nested to any depth; it is flattened in row-major order and
// only the total element count is checked against the shape. Tensors decoded from JSON
// own their bytes; tensors of binary data view `body` (no copy) and keep it alive.
//
// Every problem is InvalidArgument with a message naming the field or tensor, e.g.
//   input 'x': data element 2 (1.5) is not an integer, as UINT8 needs
// Sizes the client announces (shapes, binary_data_size) are checked but never allocated
// from: buffers grow only with values actually present in the body.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

struct DecodeOptions {
  // The Inference-Header-Content-Length header: the JSON is the first `header_length`
  // bytes of the body and binary tensor data follows. nullopt: the body is all JSON.
  std::optional<size_t> header_length;
};

absl::StatusOr<std::unique_ptr<InferRequest>> DecodeInferRequest(
    const std::shared_ptr<const PaddedBuffer>& body, const DecodeOptions& options);

// Parses the Inference-Header-Content-Length header value (a decimal byte count; whether it
// fits the body is DecodeInferRequest's check). nullopt when the header is absent.
absl::StatusOr<std::optional<size_t>> ParseHeaderLength(std::optional<std::string_view> value);

}  // namespace tensord::http

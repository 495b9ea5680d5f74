// Encodes replies as the protocol's JSON: inference responses (optionally with binary
// tensor data after the JSON, Triton's binary data extension), server and model metadata.
//
//   OutputFormat format = OutputFormatFor(*request);   // read before the request is moved
//   ... InferAsync ...
//   absl::StatusOr<EncodedResponse> reply = EncodeInferResponse(*response, format);
//   // reply->header_length set: send Inference-Header-Content-Length and
//   // Content-Type application/octet-stream; the body is JSON then raw tensor bytes.
//
// Numbers are written with std::to_chars in their shortest round-trip form; FP16 and
// BF16 as the float they denote; BOOL as true/false; BYTES as JSON strings (see
// json_writer.h for NaN/Infinity and for bytes that are not UTF-8).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"

namespace tensord::http {

// Which outputs go back as binary data: the request's binary_data_output parameter,
// overridden per output by that output's binary_data parameter.
struct OutputFormat {
  bool binary_default = false;
  std::map<std::string, bool, std::less<>> binary;
  bool IsBinary(std::string_view output) const;
};
OutputFormat OutputFormatFor(const InferRequest& request);

struct EncodedResponse {
  std::string body;  // the JSON, followed by the binary outputs in order when any
  // Length of the JSON part when binary data follows it; nullopt for plain JSON.
  std::optional<size_t> header_length;
};

// Internal when an output's data does not match its shape (a runtime bug): better a 500
// than a reply that reads past a buffer.
absl::StatusOr<EncodedResponse> EncodeInferResponse(const InferResponse& response,
                                                    const OutputFormat& format);

// {"name":..,"version":..,"extensions":[..]}
std::string EncodeServerMetadata(std::string_view name, std::string_view version,
                                 std::span<const std::string> extensions);
std::string EncodeModelMetadata(const ModelMetadata& metadata);

// The protocol's error body: {"error":"<message>"} with the message escaped.
std::string ErrorJson(std::string_view message);

}  // namespace tensord::http

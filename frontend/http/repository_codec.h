// JSON of the model repository extension (Triton's v2/repository routes).
//
//   absl::StatusOr<bool> ready = DecodeIndexRequest(body);          // {"ready": true}
//   std::string json = EncodeRepositoryIndex(rows);  // [{"name","version","state","reason"}]
//   absl::StatusOr<std::string> config = DecodeLoadRequest(body);   // parameters.config
//
// Bodies are optional: an empty body means no options. Load's parameters.config is the
// model configuration override as a JSON string (Triton); a JSON object is accepted too.
// "file:<path>" parameters (model files sent in the request) are refused: tensord loads
// only what is in its repository folder. Errors are InvalidArgument naming the field.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model_state.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

absl::StatusOr<bool> DecodeIndexRequest(const PaddedBuffer& body);
std::string EncodeRepositoryIndex(const std::vector<ModelVersionStatus>& rows);

// The override's JSON text; empty when the request carries none.
absl::StatusOr<std::string> DecodeLoadRequest(const PaddedBuffer& body);
// Checks the body's shape (parameters must be an object); nothing in it is used.
absl::Status DecodeUnloadRequest(const PaddedBuffer& body);

}  // namespace tensord::http

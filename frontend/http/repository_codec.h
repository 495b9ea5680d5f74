// JSON of the model repository extension (Triton's v2/repository routes).
//
//   absl::StatusOr<bool> ready = DecodeIndexRequest(body);          // {"ready": true}
//   std::string json = EncodeRepositoryIndex(rows);  // [{"name","version","state","reason"}]
//   absl::StatusOr<ModelLoadOptions> load = DecodeLoadRequest(body);   // parameters
//
// Bodies are optional: an empty body means no options. Load's parameters.config is the
// model configuration override as a JSON string (Triton); a JSON object is accepted too.
// "file:<path>" parameters carry model files, base64-encoded (Triton's load from memory;
// the repository checks the paths). Errors are InvalidArgument naming the field.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/inference_service.h"
#include "core/model_state.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

absl::StatusOr<bool> DecodeIndexRequest(const PaddedBuffer& body);
std::string EncodeRepositoryIndex(const std::vector<ModelVersionStatus>& rows);

// The override's JSON text (empty when the request carries none) and the files.
absl::StatusOr<ModelLoadOptions> DecodeLoadRequest(const PaddedBuffer& body);
// Checks the body's shape (parameters must be an object); nothing in it is used.
absl::Status DecodeUnloadRequest(const PaddedBuffer& body);

}  // namespace tensord::http

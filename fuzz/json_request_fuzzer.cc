// Fuzzes the REST JSON inference request decoder (frontend/http/json_request_codec) the
// way RestHandler::Infer calls it for a body without Inference-Header-Content-Length, then
// the per-request limits, MLServer's request codecs and the validation against each fixed
// model (fuzz_models.h), as Server::InferAsync does.
//
//   build/fuzz/fuzz/json_request_fuzzer fuzz/corpus/json_request   # fuzz/README.md: more
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/request_validation.h"
#include "frontend/http/json_request_codec.h"
#include "frontend/request_limits.h"
#include "fuzz/fuzz_models.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tensord;
  auto body = std::make_shared<http::PaddedBuffer>();
  body->Append(data, size);
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      http::DecodeInferRequest(body, {.header_length = std::nullopt});
  if (!request.ok()) return 0;
  if (!CheckRequestLimits(**request, fuzz::kLimits).ok()) return 0;
  fuzz::AdaptAndValidate(**request);
  return 0;
}

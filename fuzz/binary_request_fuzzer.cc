// Fuzzes Triton's binary tensor data extension as RestHandler::Infer decodes it: the
// Inference-Header-Content-Length header (ParseHeaderLength), then either the JSON header
// followed by binary tensor data (DecodeInferRequest with header_length) or, for a length
// of 0, the raw binary request (DecodeRawInferRequest against each fixed model); then the
// request limits and validation against each model (fuzz_models.h).
//
// Input: the header's value, a newline, then the body. No newline: the header is absent.
//   printf '9\n{"inputs":[]}...' > case; build/fuzz/fuzz/binary_request_fuzzer case
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/request_validation.h"
#include "frontend/http/json_request_codec.h"
#include "frontend/http/raw_request_codec.h"
#include "frontend/request_limits.h"
#include "fuzz/fuzz_models.h"

namespace {

void LimitAndValidate(const tensord::InferRequest& request) {
  using namespace tensord;
  if (!CheckRequestLimits(request, fuzz::kLimits).ok()) return;
  fuzz::AdaptAndValidate(request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tensord;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<std::string_view> header;
  std::string_view rest = input;
  if (size_t newline = input.find('\n'); newline != std::string_view::npos) {
    header = input.substr(0, newline);
    rest = input.substr(newline + 1);
  }
  absl::StatusOr<std::optional<size_t>> header_length = http::ParseHeaderLength(header);
  if (!header_length.ok()) return 0;
  auto body = std::make_shared<http::PaddedBuffer>(rest);
  if (*header_length == 0u) {
    for (const ModelConfig& model : fuzz::Models()) {
      absl::StatusOr<std::unique_ptr<InferRequest>> request =
          http::DecodeRawInferRequest(body, model);
      if (request.ok()) LimitAndValidate(**request);
    }
    return 0;
  }
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      http::DecodeInferRequest(body, {.header_length = *header_length});
  if (request.ok()) LimitAndValidate(**request);
  return 0;
}

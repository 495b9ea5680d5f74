// Fuzzes the gRPC inference request path as InferCall runs it: the wire bytes parsed into
// inference::ModelInferRequest (what grpc++ does before our code sees the message, within
// --grpc-max-message-mb), RequestFromProto (frontend/grpc/infer_codec), the request limits,
// and validation against each fixed model (fuzz_models.h), as Server::InferAsync does.
//
//   build/fuzz/fuzz/grpc_infer_fuzzer fuzz/corpus/grpc_infer   # inputs: serialized protos
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/request_validation.h"
#include "frontend/grpc/infer_codec.h"
#include "frontend/request_limits.h"
#include "fuzz/fuzz_models.h"
#include "grpc_service.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tensord;
  auto message = std::make_shared<inference::ModelInferRequest>();
  if (!message->ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<std::unique_ptr<InferRequest>> request = grpc::RequestFromProto(message);
  if (!request.ok()) return 0;
  if (!CheckRequestLimits(**request, fuzz::kLimits).ok()) return 0;
  fuzz::AdaptAndValidate(**request);
  return 0;
}

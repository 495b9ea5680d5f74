// ModelInferRequest → tensord::InferRequest, and tensord::InferResponse → ModelInferResponse.
//
//   auto message = std::make_shared<inference::ModelInferRequest>();   // filled by gRPC
//   absl::StatusOr<std::unique_ptr<InferRequest>> request = RequestFromProto(message);
//   ...
//   inference::ModelInferResponse reply;
//   ResponseToProto(std::move(*response), &reply);
//
// Input data given in raw_input_contents is not copied: each tensor views its bytes inside
// the message, and holds `message` as the owner, so the message lives as long as any tensor
// does. Typed `contents` are converted into owned buffers. Outputs always go back in
// raw_output_contents (as Triton answers), in the order of response.outputs.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "grpc_service.pb.h"

namespace tensord::grpc {

// InvalidArgument (message naming the input) when: raw_input_contents is used but its
// count differs from the number of inputs; an input has both typed contents and raw
// contents; the datatype is unknown; the shape has a negative dimension; the data does not
// match shape × datatype (byte size, BYTES framing, typed element count, wrong typed
// field); a parameter has no value. Model-level checks (names, shapes against the config)
// are Server::InferAsync's.
absl::StatusOr<std::unique_ptr<InferRequest>> RequestFromProto(
    std::shared_ptr<const inference::ModelInferRequest> message);

// Moves what it can; copies each output's bytes once into raw_output_contents.
void ResponseToProto(InferResponse&& response, inference::ModelInferResponse* proto);

}  // namespace tensord::grpc

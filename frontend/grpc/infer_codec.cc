#include "frontend/grpc/infer_codec.h"

#include <string>
#include <utility>

#include "core/shared_memory_parameters.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "frontend/grpc/parameters_codec.h"
#include "frontend/grpc/tensor_contents.h"

namespace tensord::grpc {
namespace {

using InputProto = inference::ModelInferRequest::InferInputTensor;

std::span<const std::byte> AsBytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// `raw`: the input's raw_input_contents entry, null when the request has none or the input
// is in shared memory (the server reads it from the region; data stays empty here).
absl::StatusOr<Tensor> InputFromProto(const InputProto& input, const std::string* raw,
                                      const std::shared_ptr<const void>& owner) {
  Tensor tensor;
  tensor.name = input.name();
  tensor.datatype = DataTypeFromName(input.datatype());
  if (tensor.datatype == DataType::kInvalid) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': unknown datatype '{}'", input.name(), input.datatype()));
  }
  tensor.shape.assign(input.shape().begin(), input.shape().end());
  absl::StatusOr<int64_t> count = ElementCount(tensor.shape);
  if (!count.ok()) return Annotate(count.status(), fmt::format("input '{}'", input.name()));

  if (!input.parameters().empty()) {  // the context string only when there is something
    absl::StatusOr<Parameters> parameters =
        ParametersFromProto(input.parameters(), fmt::format("input '{}'", input.name()));
    if (!parameters.ok()) return parameters.status();
    tensor.parameters = *std::move(parameters);
  }

  const bool typed = input.has_contents() && TypedElementCount(input.contents()) > 0;
  if (InSharedMemory(tensor)) {
    if (typed) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}': contents must not be given for an input in shared memory "
                      "(parameter 'shared_memory_region')",
                      input.name()));
    }
    return tensor;
  }
  if (raw != nullptr) {
    tensor.data = Buffer::View(AsBytes(*raw), owner);
    // Byte size for fixed-size types; element count and length prefixes for BYTES.
    if (absl::Status valid = CheckTensorData(tensor, "input"); !valid.ok()) return valid;
    return tensor;
  }

  absl::StatusOr<Buffer> data =
      TypedContentsToBuffer(input.contents(), tensor.datatype, *count, input.name());
  if (!data.ok()) return data.status();
  tensor.data = *std::move(data);
  return tensor;
}

bool InputInSharedMemory(const InputProto& input) {
  return input.parameters().contains(std::string(kSharedMemoryRegion));
}

}  // namespace

absl::StatusOr<std::unique_ptr<InferRequest>> RequestFromProto(
    std::shared_ptr<const inference::ModelInferRequest> message) {
  const inference::ModelInferRequest& proto = *message;
  // As in Triton: raw_input_contents has one entry per input that is not in shared memory,
  // in input order, and then no input may carry typed contents as well.
  const int raw_count = proto.raw_input_contents_size();
  int raw_inputs = 0;
  for (const InputProto& input : proto.inputs()) {
    if (InputInSharedMemory(input)) continue;
    ++raw_inputs;
    if (raw_count > 0 && input.has_contents() && TypedElementCount(input.contents()) > 0) {
      // Triton's words, which its clients match on.
      return absl::InvalidArgumentError(
          fmt::format("contents field must not be specified when using raw_input_contents for "
                      "'{}' for model '{}'",
                      input.name(), proto.model_name()));
    }
  }
  if (raw_count > 0 && raw_count != raw_inputs) {
    return absl::InvalidArgumentError(fmt::format(
        "raw_input_contents has {} entries but the request has {} inputs{}; give one "
        "entry per input, in input order",
        raw_count, raw_inputs, raw_inputs == proto.inputs_size() ? "" : " not in shared memory"));
  }

  auto request = std::make_unique<InferRequest>();
  request->model_name = proto.model_name();
  request->model_version = proto.model_version();
  request->id = proto.id();
  if (!proto.parameters().empty()) {
    absl::StatusOr<Parameters> parameters = ParametersFromProto(proto.parameters(), "request");
    if (!parameters.ok()) return parameters.status();
    request->parameters = *std::move(parameters);
  }

  const std::shared_ptr<const void> owner = message;
  request->inputs.reserve(static_cast<size_t>(proto.inputs_size()));
  int next_raw = 0;
  for (int i = 0; i < proto.inputs_size(); ++i) {
    const std::string* raw = nullptr;
    if (raw_count > 0 && !InputInSharedMemory(proto.inputs(i))) {
      raw = &proto.raw_input_contents(next_raw++);
    }
    absl::StatusOr<Tensor> tensor = InputFromProto(proto.inputs(i), raw, owner);
    if (!tensor.ok()) return tensor.status();
    request->inputs.push_back(*std::move(tensor));
  }

  request->outputs.reserve(static_cast<size_t>(proto.outputs_size()));
  for (const auto& output : proto.outputs()) {
    RequestedOutput requested;
    requested.name = output.name();
    if (!output.parameters().empty()) {
      absl::StatusOr<Parameters> output_parameters =
          ParametersFromProto(output.parameters(), fmt::format("output '{}'", output.name()));
      if (!output_parameters.ok()) return output_parameters.status();
      requested.parameters = *std::move(output_parameters);
    }
    request->outputs.push_back(std::move(requested));
  }
  return request;
}

void ResponseToProto(InferResponse&& response, inference::ModelInferResponse* proto) {
  proto->set_model_name(std::move(response.model_name));
  proto->set_model_version(std::move(response.model_version));
  proto->set_id(std::move(response.id));
  ParametersToProto(response.parameters, proto->mutable_parameters());
  proto->mutable_outputs()->Reserve(static_cast<int>(response.outputs.size()));
  proto->mutable_raw_output_contents()->Reserve(static_cast<int>(response.outputs.size()));
  for (Tensor& output : response.outputs) {
    inference::ModelInferResponse::InferOutputTensor* out = proto->add_outputs();
    out->set_name(std::move(output.name));
    out->set_datatype(std::string(DataTypeName(output.datatype)));
    out->mutable_shape()->Add(output.shape.begin(), output.shape.end());
    ParametersToProto(output.parameters, out->mutable_parameters());
    proto->add_raw_output_contents()->assign(reinterpret_cast<const char*>(output.data.data()),
                                             output.data.size());
  }
}

}  // namespace tensord::grpc

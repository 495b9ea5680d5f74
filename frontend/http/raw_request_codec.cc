#include "frontend/http/raw_request_codec.h"

#include <optional>
#include <vector>

#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord::http {
namespace {

absl::Status RawError(const ModelConfig& config, std::string_view problem) {
  return absl::InvalidArgumentError(
      fmt::format("raw binary request (Inference-Header-Content-Length: 0) to model '{}': {}",
                  config.name, problem));
}

}  // namespace

absl::StatusOr<std::unique_ptr<InferRequest>> DecodeRawInferRequest(
    const std::shared_ptr<const PaddedBuffer>& body, const ModelConfig& config) {
  if (config.inputs.size() != 1) {
    return RawError(config, fmt::format("the model must have exactly one input, it has {}",
                                        config.inputs.size()));
  }
  const TensorConfig& input = config.inputs[0];
  Tensor tensor{.name = input.name, .datatype = input.datatype, .shape = FullShape(config, input)};
  if (config.max_batch_size > 0) tensor.shape[0] = 1;  // a raw request is one batch item

  if (tensor.datatype == DataType::kBytes) {
    for (int64_t& dim : tensor.shape) {
      if (dim == -1) dim = 1;
    }
    absl::StatusOr<int64_t> count = ElementCount(tensor.shape);
    if (!count.ok() || *count != 1) {
      return RawError(config, fmt::format("BYTES input '{}' must hold exactly one element, its "
                                          "shape is {}",
                                          input.name, ShapeToString(tensor.shape)));
    }
    // The body is that one element: prefix it with its length.
    std::vector<std::byte> bytes;
    bytes.reserve(body->size() + 4);
    AppendBytesElement(bytes, body->view());
    tensor.data = Buffer::FromVector(std::move(bytes));
  } else {
    std::optional<size_t> variable;
    Shape fixed = tensor.shape;
    for (size_t i = 0; i < tensor.shape.size(); ++i) {
      if (tensor.shape[i] != -1) continue;
      if (variable) {
        return RawError(config, fmt::format("input '{}' has shape {} with more than one variable "
                                            "dimension, which the body size cannot determine",
                                            input.name, ShapeToString(FullShape(config, input))));
      }
      variable = i;
      fixed[i] = 1;
    }
    absl::StatusOr<int64_t> fixed_count = ElementCount(fixed);
    if (!fixed_count.ok()) return RawError(config, Message(fixed_count.status()));
    const uint64_t element_size = DataTypeByteSize(tensor.datatype);
    const uint64_t size = body->size();
    // Divide rather than multiply: the product could overflow for a hostile config.
    const uint64_t unit = static_cast<uint64_t>(*fixed_count);
    const bool whole = unit > 0 && size % element_size == 0 && (size / element_size) % unit == 0;
    if (!whole || (!variable && size / element_size != unit)) {
      return RawError(
          config, fmt::format("a body of {} bytes does not fit input '{}' of shape {} ({})", size,
                              input.name, ShapeToString(FullShape(config, input)),
                              DataTypeName(tensor.datatype)));
    }
    if (variable) tensor.shape[*variable] = static_cast<int64_t>(size / element_size / unit);
    tensor.data = Buffer::View(body->bytes(), body);
  }

  auto request = std::make_unique<InferRequest>();
  request->inputs.push_back(std::move(tensor));
  request->parameters["binary_data_output"] = true;
  return request;
}

}  // namespace tensord::http

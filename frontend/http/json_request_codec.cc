#include "frontend/http/json_request_codec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/shape.h"
#include "core/shared_memory_parameters.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "frontend/http/float16.h"
#include "simdjson.h"

namespace tensord::http {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A parser per thread keeps its buffers between requests (no allocation per request);
// one that grew past this for a huge body is dropped so the memory goes back.
constexpr size_t kKeepParserCapacity = size_t{16} << 20;

// Copies out of the simdjson_result temporaries: iterating `get_array().value_unsafe()`
// directly would range over a member of a temporary that is already gone.
simdjson::dom::array AsArray(element value) {
  simdjson::dom::array array = value.get_array().value_unsafe();
  return array;
}
simdjson::dom::object AsObject(element value) {
  simdjson::dom::object object = value.get_object().value_unsafe();
  return object;
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::string_view Describe(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a JSON value";
}

// The value as JSON text for error messages (numbers and booleans), else its kind.
std::string ValueText(element value) {
  switch (value.type()) {
    case element_type::INT64:
      return fmt::format("{}", value.get_int64().value_unsafe());
    case element_type::UINT64:
      return fmt::format("{}", value.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return fmt::format("{}", value.get_double().value_unsafe());
    case element_type::BOOL:
      return value.get_bool().value_unsafe() ? "true" : "false";
    default:
      return std::string(Describe(value.type()));
  }
}

enum class LeafError { kNone, kWrongType, kNotInteger, kOutOfRange };

template <typename T>
LeafError ToInteger(element value, T& out) {
  switch (value.type()) {
    case element_type::INT64: {
      const int64_t v = value.get_int64().value_unsafe();
      if (!std::in_range<T>(v)) return LeafError::kOutOfRange;
      out = static_cast<T>(v);
      return LeafError::kNone;
    }
    case element_type::UINT64: {
      const uint64_t v = value.get_uint64().value_unsafe();
      if (!std::in_range<T>(v)) return LeafError::kOutOfRange;
      out = static_cast<T>(v);
      return LeafError::kNone;
    }
    case element_type::DOUBLE: {
      // Integral doubles (3.0, 1e3) are accepted: some JSON writers emit every number so.
      // Beyond 2^53 a double need not be the integer that was written (and integer
      // literals past 64 bits arrive here as doubles, see WidenBigIntegers): refused.
      const double d = value.get_double().value_unsafe();
      if (std::trunc(d) != d) return LeafError::kNotInteger;
      if (std::fabs(d) >= 0x1p53) return LeafError::kOutOfRange;
      if (d < 0) {
        const auto v = static_cast<int64_t>(d);
        if (!std::in_range<T>(v)) return LeafError::kOutOfRange;
        out = static_cast<T>(v);
      } else {
        const auto v = static_cast<uint64_t>(d);
        if (!std::in_range<T>(v)) return LeafError::kOutOfRange;
        out = static_cast<T>(v);
      }
      return LeafError::kNone;
    }
    default:
      return LeafError::kWrongType;
  }
}

LeafError ToDouble(element value, double& out) {
  switch (value.type()) {
    case element_type::INT64:
      out = static_cast<double>(value.get_int64().value_unsafe());
      return LeafError::kNone;
    case element_type::UINT64:
      out = static_cast<double>(value.get_uint64().value_unsafe());
      return LeafError::kNone;
    case element_type::DOUBLE:
      out = value.get_double().value_unsafe();
      return LeafError::kNone;
    default:
      return LeafError::kWrongType;
  }
}

// Number of scalars in `value`, arrays flattened.
size_t CountLeaves(element value) {
  if (value.type() != element_type::ARRAY) return 1;
  size_t count = 0;
  for (element child : AsArray(value)) count += CountLeaves(child);
  return count;
}

// Calls `leaf` on every scalar of `value` in row-major order.
template <typename Leaf>
absl::Status ForEachLeaf(element value, Leaf& leaf) {
  if (value.type() != element_type::ARRAY) return leaf(value);
  for (element child : AsArray(value)) {
    if (absl::Status status = ForEachLeaf(child, leaf); !status.ok()) return status;
  }
  return absl::OkStatus();
}

std::string_view Needs(DataType type) {
  switch (type) {
    case DataType::kBool:
      return "true or false";
    case DataType::kBytes:
      return "a string";
    default:
      return "a number";
  }
}

absl::Status LeafErrorStatus(const Tensor& tensor, size_t index, element value, LeafError error) {
  const std::string_view type = DataTypeName(tensor.datatype);
  switch (error) {
    case LeafError::kWrongType:
      return absl::InvalidArgumentError(
          fmt::format("input '{}': data element {} is {}, but {} needs {}", tensor.name, index,
                      Describe(value.type()), type, Needs(tensor.datatype)));
    case LeafError::kNotInteger:
      return absl::InvalidArgumentError(
          fmt::format("input '{}': data element {} ({}) is not an integer, as {} needs",
                      tensor.name, index, ValueText(value), type));
    default:
      return absl::InvalidArgumentError(
          fmt::format("input '{}': data element {} ({}) is out of range for {}", tensor.name, index,
                      ValueText(value), type));
  }
}

// Converts every scalar of `data` with `convert` (element -> LeafError, writing a T) into
// an array that the tensor then owns: one allocation, holding the elements and their
// owners' count. `count` is the number of scalars really present (CountLeaves).
template <typename T, typename Convert>
absl::Status DecodeFixed(element data, size_t count, Tensor& tensor, Convert convert) {
  std::shared_ptr<T[]> values = std::make_shared_for_overwrite<T[]>(count);
  size_t written = 0;
  auto leaf = [&](element value) -> absl::Status {
    if (written == count) {  // CountLeaves walked the same arrays: never expected
      return absl::InternalError(
          fmt::format("input '{}': more data elements than the {} counted", tensor.name, count));
    }
    T converted;
    const LeafError error = convert(value, converted);
    if (error != LeafError::kNone) return LeafErrorStatus(tensor, written, value, error);
    values[written++] = converted;
    return absl::OkStatus();
  };
  if (absl::Status status = ForEachLeaf(data, leaf); !status.ok()) return status;
  const std::span<const std::byte> bytes = std::as_bytes(std::span<const T>(values.get(), written));
  tensor.data = Buffer::View(bytes, std::move(values));
  return absl::OkStatus();
}

absl::Status DecodeBytes(element data, Tensor& tensor) {
  std::vector<std::byte> bytes;
  size_t index = 0;
  auto leaf = [&](element value) -> absl::Status {
    if (value.type() != element_type::STRING) {
      return LeafErrorStatus(tensor, index, value, LeafError::kWrongType);
    }
    AppendBytesElement(bytes, value.get_string().value_unsafe());
    ++index;
    return absl::OkStatus();
  };
  if (absl::Status status = ForEachLeaf(data, leaf); !status.ok()) return status;
  tensor.data = Buffer::FromVector(std::move(bytes));
  return absl::OkStatus();
}

template <typename T>
LeafError AsInteger(element value, T& out) {
  return ToInteger<T>(value, out);
}

absl::Status DecodeData(element data, size_t count, Tensor& tensor) {
  switch (tensor.datatype) {
    case DataType::kBool:
      return DecodeFixed<uint8_t>(data, count, tensor, [](element value, uint8_t& out) {
        if (value.type() != element_type::BOOL) return LeafError::kWrongType;
        out = value.get_bool().value_unsafe() ? 1 : 0;
        return LeafError::kNone;
      });
    case DataType::kUint8:
      return DecodeFixed<uint8_t>(data, count, tensor, AsInteger<uint8_t>);
    case DataType::kUint16:
      return DecodeFixed<uint16_t>(data, count, tensor, AsInteger<uint16_t>);
    case DataType::kUint32:
      return DecodeFixed<uint32_t>(data, count, tensor, AsInteger<uint32_t>);
    case DataType::kUint64:
      return DecodeFixed<uint64_t>(data, count, tensor, AsInteger<uint64_t>);
    case DataType::kInt8:
      return DecodeFixed<int8_t>(data, count, tensor, AsInteger<int8_t>);
    case DataType::kInt16:
      return DecodeFixed<int16_t>(data, count, tensor, AsInteger<int16_t>);
    case DataType::kInt32:
      return DecodeFixed<int32_t>(data, count, tensor, AsInteger<int32_t>);
    case DataType::kInt64:
      return DecodeFixed<int64_t>(data, count, tensor, AsInteger<int64_t>);
    case DataType::kFp16:
      return DecodeFixed<uint16_t>(data, count, tensor, [](element value, uint16_t& out) {
        double d;
        if (ToDouble(value, d) != LeafError::kNone) return LeafError::kWrongType;
        out = DoubleToHalf(d);
        return IsInfiniteHalf(out) ? LeafError::kOutOfRange : LeafError::kNone;
      });
    case DataType::kBf16:
      return DecodeFixed<uint16_t>(data, count, tensor, [](element value, uint16_t& out) {
        double d;
        if (ToDouble(value, d) != LeafError::kNone) return LeafError::kWrongType;
        out = DoubleToBfloat16(d);
        return IsInfiniteBfloat16(out) ? LeafError::kOutOfRange : LeafError::kNone;
      });
    case DataType::kFp32:
      return DecodeFixed<float>(data, count, tensor, [](element value, float& out) {
        double d;
        if (ToDouble(value, d) != LeafError::kNone) return LeafError::kWrongType;
        out = static_cast<float>(d);
        return std::isinf(out) ? LeafError::kOutOfRange : LeafError::kNone;
      });
    case DataType::kFp64:
      return DecodeFixed<double>(data, count, tensor, ToDouble);
    case DataType::kBytes:
      return DecodeBytes(data, tensor);
    case DataType::kInvalid:
      break;
  }
  return absl::InternalError("unreachable datatype");
}

// `context` prefixes messages ("input 'x': "), empty for the request's own parameters.
absl::Status DecodeParameters(element value, std::string_view context, Parameters& out) {
  if (value.type() != element_type::OBJECT) {
    return absl::InvalidArgumentError(fmt::format("{}'parameters' must be a JSON object", context));
  }
  for (simdjson::dom::key_value_pair field : AsObject(value)) {
    std::string key(field.key);
    switch (field.value.type()) {
      case element_type::BOOL:
        out.insert_or_assign(std::move(key), field.value.get_bool().value_unsafe());
        break;
      case element_type::INT64:
        out.insert_or_assign(std::move(key), field.value.get_int64().value_unsafe());
        break;
      case element_type::DOUBLE:
        out.insert_or_assign(std::move(key), field.value.get_double().value_unsafe());
        break;
      case element_type::STRING:
        out.insert_or_assign(std::move(key), std::string(field.value.get_string().value_unsafe()));
        break;
      case element_type::UINT64:
        return absl::InvalidArgumentError(
            fmt::format("{}parameter '{}' ({}) is out of range for int64", context, key,
                        ValueText(field.value)));
      default:
        return absl::InvalidArgumentError(
            fmt::format("{}parameter '{}' must be a bool, number or string, not {}", context, key,
                        Describe(field.value.type())));
    }
  }
  return absl::OkStatus();
}

// The binary data after the JSON header, handed out to inputs in order.
struct BinaryTail {
  bool present = false;  // Inference-Header-Content-Length was given
  std::span<const std::byte> bytes;
  size_t used = 0;
  const std::shared_ptr<const PaddedBuffer>* owner = nullptr;
};

absl::Status DecodeShape(element value, const std::string& name, Shape& shape) {
  if (value.type() != element_type::ARRAY) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': 'shape' must be an array of integers", name));
  }
  const simdjson::dom::array dims = AsArray(value);
  // Room for the usual few dimensions at once; a client's absurd shape (millions of
  // entries, most likely refused below) is not reserved for ahead of checking it.
  shape.reserve(std::min<size_t>(dims.size(), 8));
  for (element dim : dims) {
    // Only integer literals: 2.0 is not a dimension (unlike data, where INT types take it).
    const bool integer = dim.type() == element_type::INT64;
    const int64_t size = integer ? dim.get_int64().value_unsafe() : -1;
    if (size < 0) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}': shape dimension {} is {}, not a non-negative integer", name,
                      shape.size(), ValueText(dim)));
    }
    shape.push_back(size);
  }
  return absl::OkStatus();
}

absl::Status TakeBinaryData(const ParameterValue& size_parameter, bool has_data, BinaryTail& tail,
                            Tensor& tensor) {
  const int64_t* size = std::get_if<int64_t>(&size_parameter);
  if (size == nullptr || *size < 0) {
    return absl::InvalidArgumentError(fmt::format(
        "input '{}': parameter 'binary_data_size' must be a non-negative integer", tensor.name));
  }
  if (has_data) {
    return absl::InvalidArgumentError(fmt::format(
        "input '{}' has both 'data' and the 'binary_data_size' parameter", tensor.name));
  }
  if (!tail.present) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}' has the 'binary_data_size' parameter but the request has no "
                    "Inference-Header-Content-Length header",
                    tensor.name));
  }
  const size_t left = tail.bytes.size() - tail.used;
  if (static_cast<uint64_t>(*size) > left) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': binary_data_size {} runs past the end of the body ({} bytes of "
                    "binary data left)",
                    tensor.name, *size, left));
  }
  const auto length = static_cast<size_t>(*size);
  tensor.data = Buffer::View(tail.bytes.subspan(tail.used, length), *tail.owner);
  tail.used += length;
  return CheckTensorData(tensor, "input");
}

absl::Status DecodeInput(element value, size_t index, BinaryTail& tail, Tensor& tensor) {
  if (value.type() != element_type::OBJECT) {
    return absl::InvalidArgumentError(fmt::format("inputs[{}] must be a JSON object", index));
  }
  std::optional<element> name, shape, datatype, data, parameters;
  for (simdjson::dom::key_value_pair field : AsObject(value)) {
    if (field.key == "name") {
      name = field.value;
    } else if (field.key == "shape") {
      shape = field.value;
    } else if (field.key == "datatype") {
      datatype = field.value;
    } else if (field.key == "data") {
      data = field.value;
    } else if (field.key == "parameters") {
      parameters = field.value;
    }
  }
  if (!name) return absl::InvalidArgumentError(fmt::format("inputs[{}] has no 'name'", index));
  if (name->type() != element_type::STRING) {
    return absl::InvalidArgumentError(fmt::format("inputs[{}]: 'name' must be a string", index));
  }
  tensor.name = std::string(name->get_string().value_unsafe());
  if (!shape)
    return absl::InvalidArgumentError(fmt::format("input '{}' has no 'shape'", tensor.name));
  if (absl::Status status = DecodeShape(*shape, tensor.name, tensor.shape); !status.ok()) {
    return status;
  }
  if (!datatype) {
    return absl::InvalidArgumentError(fmt::format("input '{}' has no 'datatype'", tensor.name));
  }
  if (datatype->type() != element_type::STRING) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': 'datatype' must be a string", tensor.name));
  }
  const std::string_view datatype_name = datatype->get_string().value_unsafe();
  tensor.datatype = DataTypeFromName(datatype_name);
  if (tensor.datatype == DataType::kInvalid) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': unknown datatype '{}'", tensor.name, datatype_name));
  }
  absl::StatusOr<int64_t> count = ElementCount(tensor.shape);
  if (!count.ok()) return Annotate(count.status(), fmt::format("input '{}'", tensor.name));
  if (parameters) {
    const std::string context = fmt::format("input '{}': ", tensor.name);
    if (absl::Status status = DecodeParameters(*parameters, context, tensor.parameters);
        !status.ok()) {
      return status;
    }
  }
  const auto binary_size = tensor.parameters.find("binary_data_size");
  if (InSharedMemory(tensor)) {
    // The server reads the data from the region (Triton's shared-memory extension).
    if (data || binary_size != tensor.parameters.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "input '{}' is in shared memory (parameter 'shared_memory_region'), so it must have "
          "neither 'data' nor 'binary_data_size'",
          tensor.name));
    }
    return absl::OkStatus();
  }
  if (binary_size != tensor.parameters.end()) {
    return TakeBinaryData(binary_size->second, data.has_value(), tail, tensor);
  }
  if (!data)
    return absl::InvalidArgumentError(fmt::format("input '{}' has no 'data'", tensor.name));
  // Count first: a mismatch is reported before any conversion, and the buffer is then
  // reserved from values really present, never from the client's shape alone.
  const size_t present = CountLeaves(*data);
  if (present != static_cast<uint64_t>(*count)) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': 'data' holds {} elements but shape {} needs {}", tensor.name,
                    present, ShapeToString(tensor.shape), *count));
  }
  return DecodeData(*data, present, tensor);
}

absl::Status CheckBoolParameter(const Parameters& parameters, std::string_view key,
                                std::string_view context) {
  auto found = parameters.find(key);
  if (found != parameters.end() && !std::holds_alternative<bool>(found->second)) {
    return absl::InvalidArgumentError(
        fmt::format("{}parameter '{}' must be true or false", context, key));
  }
  return absl::OkStatus();
}

absl::Status DecodeOutput(element value, size_t index, RequestedOutput& output) {
  if (value.type() != element_type::OBJECT) {
    return absl::InvalidArgumentError(fmt::format("outputs[{}] must be a JSON object", index));
  }
  std::optional<element> name, parameters;
  for (simdjson::dom::key_value_pair field : AsObject(value)) {
    if (field.key == "name") {
      name = field.value;
    } else if (field.key == "parameters") {
      parameters = field.value;
    }
  }
  if (!name) return absl::InvalidArgumentError(fmt::format("outputs[{}] has no 'name'", index));
  if (name->type() != element_type::STRING) {
    return absl::InvalidArgumentError(fmt::format("outputs[{}]: 'name' must be a string", index));
  }
  output.name = std::string(name->get_string().value_unsafe());
  if (!parameters) return absl::OkStatus();
  const std::string context = fmt::format("output '{}': ", output.name);
  if (absl::Status status = DecodeParameters(*parameters, context, output.parameters);
      !status.ok()) {
    return status;
  }
  return CheckBoolParameter(output.parameters, "binary_data", context);
}

absl::Status DecodeDocument(element root, BinaryTail& tail, InferRequest& request) {
  if (root.type() != element_type::OBJECT) {
    return absl::InvalidArgumentError("the request body must be a JSON object");
  }
  std::optional<element> id, parameters, inputs, outputs;
  for (simdjson::dom::key_value_pair field : AsObject(root)) {
    if (field.key == "id") {
      id = field.value;
    } else if (field.key == "parameters") {
      parameters = field.value;
    } else if (field.key == "inputs") {
      inputs = field.value;
    } else if (field.key == "outputs") {
      outputs = field.value;
    }
  }
  if (id) {
    if (id->type() != element_type::STRING) {
      return absl::InvalidArgumentError("'id' must be a string");
    }
    request.id = std::string(id->get_string().value_unsafe());
  }
  if (parameters) {
    if (absl::Status status = DecodeParameters(*parameters, "", request.parameters); !status.ok()) {
      return status;
    }
    if (absl::Status status = CheckBoolParameter(request.parameters, "binary_data_output", "");
        !status.ok()) {
      return status;
    }
  }
  if (!inputs) return absl::InvalidArgumentError("the request has no 'inputs'");
  if (inputs->type() != element_type::ARRAY) {
    return absl::InvalidArgumentError("'inputs' must be an array");
  }
  const simdjson::dom::array input_array = AsArray(*inputs);
  request.inputs.reserve(input_array.size());
  for (element input : input_array) {
    Tensor& tensor = request.inputs.emplace_back();
    if (absl::Status status = DecodeInput(input, request.inputs.size() - 1, tail, tensor);
        !status.ok()) {
      return status;
    }
  }
  if (tail.present && tail.used != tail.bytes.size()) {
    return absl::InvalidArgumentError(
        fmt::format("the body holds {} bytes of binary data after the JSON header but the inputs' "
                    "binary_data_size parameters add up to {}",
                    tail.bytes.size(), tail.used));
  }
  if (outputs) {
    if (outputs->type() != element_type::ARRAY) {
      return absl::InvalidArgumentError("'outputs' must be an array");
    }
    const simdjson::dom::array output_array = AsArray(*outputs);
    request.outputs.reserve(output_array.size());
    for (element output : output_array) {
      RequestedOutput& requested = request.outputs.emplace_back();
      if (absl::Status status = DecodeOutput(output, request.outputs.size() - 1, requested);
          !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

// simdjson rejects integer literals beyond 64 bits as malformed JSON, which would hide
// which input or dimension is wrong. Returns `json` with ".0" appended to each such literal
// (so it parses as a double and the usual checks name it), or nullopt when there is none.
std::optional<std::string> WidenBigIntegers(std::string_view json) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::optional<std::string> widened;
  size_t copied = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && !digit(c)) continue;
    const bool negative = c == '-';
    size_t end = negative ? i + 1 : i;
    const size_t digits_from = end;
    while (end < json.size() && digit(json[end])) ++end;
    const std::string_view digits = json.substr(digits_from, end - digits_from);
    const bool integer =
        end >= json.size() || (json[end] != '.' && json[end] != 'e' && json[end] != 'E');
    const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    if (integer &&
        (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit))) {
      if (!widened) widened.emplace().reserve(json.size() + 16);
      widened->append(json.substr(copied, end - copied));
      widened->append(".0");
      copied = end;
    }
    while (end < json.size() && (digit(json[end]) || json[end] == '.' || json[end] == 'e' ||
                                 json[end] == 'E' || json[end] == '+' || json[end] == '-')) {
      ++end;
    }
    i = end - 1;
  }
  if (widened) widened->append(json.substr(copied));
  return widened;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InferRequest>> DecodeInferRequest(
    const std::shared_ptr<const PaddedBuffer>& body, const DecodeOptions& options) {
  BinaryTail tail;
  size_t json_length = body->size();
  if (options.header_length) {
    if (*options.header_length > body->size()) {
      return absl::InvalidArgumentError(
          fmt::format("Inference-Header-Content-Length is {} but the body has only {} bytes",
                      *options.header_length, body->size()));
    }
    json_length = *options.header_length;
    tail.present = true;
    tail.bytes = body->bytes().subspan(json_length);
    tail.owner = &body;
  }

  simdjson::dom::parser& parser = ThreadParser();
  auto request = std::make_unique<InferRequest>();
  absl::Status status;
  {
    element root;
    // The body keeps kPadding bytes after its end (and after the JSON header there is the
    // binary data or that padding), so simdjson parses it in place.
    simdjson::error_code error =
        parser.parse(body->data(), json_length, /*realloc_if_needed=*/false).get(root);
    PaddedBuffer widened_json;  // only for the rare body with integers beyond 64 bits
    if (error == simdjson::NUMBER_ERROR) {
      if (std::optional<std::string> widened =
              WidenBigIntegers(body->view().substr(0, json_length))) {
        widened_json.Append(widened->data(), widened->size());
        error = parser.parse(widened_json.data(), widened_json.size(), false).get(root);
      }
    }
    if (error) {
      status = absl::InvalidArgumentError(
          fmt::format("malformed JSON in request body: {}", simdjson::error_message(error)));
    } else {
      status = DecodeDocument(root, tail, *request);
    }
  }
  if (parser.capacity() > kKeepParserCapacity) parser = simdjson::dom::parser();
  if (!status.ok()) return status;
  return request;
}

absl::StatusOr<std::optional<size_t>> ParseHeaderLength(std::optional<std::string_view> value) {
  if (!value) return std::nullopt;
  size_t length = 0;
  const char* end = value->data() + value->size();
  const std::from_chars_result result = std::from_chars(value->data(), end, length);
  if (value->empty() || result.ec != std::errc() || result.ptr != end) {
    return absl::InvalidArgumentError(
        fmt::format("Inference-Header-Content-Length '{}' is not a byte count", *value));
  }
  return length;
}

}  // namespace tensord::http

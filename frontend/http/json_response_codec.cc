#include "frontend/http/json_response_codec.h"

#include <algorithm>
#include <variant>

#include "core/shared_memory_parameters.h"
#include "core/status_util.h"
#include "fmt/format.h"
#include "frontend/http/float16.h"
#include "frontend/json_writer.h"

namespace tensord::http {
namespace {

// Upper bound of the JSON text of one element, to reserve the output once.
size_t MaxElementChars(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kInt8:
      return 6;
    case DataType::kUint8:
      return 4;
    case DataType::kInt16:
    case DataType::kUint16:
      return 7;
    case DataType::kInt32:
    case DataType::kUint32:
      return 12;
    case DataType::kFp16:
    case DataType::kBf16:
    case DataType::kFp32:
      return 16;
    default:
      return 25;
  }
}

void AppendParameterValue(std::string& out, const ParameterValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          AppendJsonBool(out, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          AppendJsonString(out, v);
        } else {
          AppendJsonNumber(out, v);
        }
      },
      value);
}

// Writes "parameters":{...} with `binary_size` added when set; nothing when empty.
void AppendParameters(std::string& out, const Parameters& parameters,
                      std::optional<size_t> binary_size = std::nullopt) {
  if (parameters.empty() && !binary_size) return;
  out += ",\"parameters\":{";
  bool first = true;
  for (const auto& [key, value] : parameters) {
    if (binary_size && key == "binary_data_size") continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, key);
    out += ':';
    AppendParameterValue(out, value);
  }
  if (binary_size) {
    if (!first) out += ',';
    out += "\"binary_data_size\":";
    AppendJsonNumber(out, static_cast<uint64_t>(*binary_size));
  }
  out += '}';
}

template <typename T, typename Append>
void AppendElements(std::string& out, const Buffer& data, Append append) {
  const size_t count = data.size() / sizeof(T);
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    append(out, data.Read<T>(i));
  }
}

template <typename T>
void AppendNumbers(std::string& out, const Buffer& data) {
  AppendElements<T>(out, data, [](std::string& o, T v) {
    if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) {
      AppendJsonNumber(o, static_cast<int64_t>(v));
    } else if constexpr (std::is_integral_v<T>) {
      AppendJsonNumber(o, static_cast<uint64_t>(v));
    } else {
      AppendJsonNumber(o, v);
    }
  });
}

absl::Status AppendData(std::string& out, const Tensor& tensor, int64_t count) {
  const Buffer& data = tensor.data;
  out += '[';
  switch (tensor.datatype) {
    case DataType::kBool:
      AppendElements<uint8_t>(out, data, [](std::string& o, uint8_t v) { AppendJsonBool(o, v); });
      break;
    case DataType::kUint8:
      AppendNumbers<uint8_t>(out, data);
      break;
    case DataType::kUint16:
      AppendNumbers<uint16_t>(out, data);
      break;
    case DataType::kUint32:
      AppendNumbers<uint32_t>(out, data);
      break;
    case DataType::kUint64:
      AppendNumbers<uint64_t>(out, data);
      break;
    case DataType::kInt8:
      AppendNumbers<int8_t>(out, data);
      break;
    case DataType::kInt16:
      AppendNumbers<int16_t>(out, data);
      break;
    case DataType::kInt32:
      AppendNumbers<int32_t>(out, data);
      break;
    case DataType::kInt64:
      AppendNumbers<int64_t>(out, data);
      break;
    case DataType::kFp16:
      AppendElements<uint16_t>(
          out, data, [](std::string& o, uint16_t v) { AppendJsonNumber(o, HalfToFloat(v)); });
      break;
    case DataType::kBf16:
      AppendElements<uint16_t>(
          out, data, [](std::string& o, uint16_t v) { AppendJsonNumber(o, Bfloat16ToFloat(v)); });
      break;
    case DataType::kFp32:
      AppendNumbers<float>(out, data);
      break;
    case DataType::kFp64:
      AppendNumbers<double>(out, data);
      break;
    case DataType::kBytes: {
      absl::StatusOr<std::vector<std::string_view>> elements =
          SplitBytesElements(data.bytes(), count);
      if (!elements.ok()) return elements.status();
      for (size_t i = 0; i < elements->size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonString(out, (*elements)[i]);
      }
      break;
    }
    case DataType::kInvalid:
      return absl::InternalError("invalid datatype");
  }
  out += ']';
  return absl::OkStatus();
}

}  // namespace

bool OutputFormat::IsBinary(std::string_view output) const {
  auto found = binary.find(output);
  return found != binary.end() ? found->second : binary_default;
}

OutputFormat OutputFormatFor(const InferRequest& request) {
  OutputFormat format;
  if (auto found = request.parameters.find("binary_data_output");
      found != request.parameters.end()) {
    if (const bool* value = std::get_if<bool>(&found->second)) format.binary_default = *value;
  }
  for (const RequestedOutput& output : request.outputs) {
    if (auto found = output.parameters.find("binary_data"); found != output.parameters.end()) {
      if (const bool* value = std::get_if<bool>(&found->second)) {
        format.binary.insert_or_assign(output.name, *value);
      }
    }
  }
  return format;
}

absl::StatusOr<EncodedResponse> EncodeInferResponse(const InferResponse& response,
                                                    const OutputFormat& format) {
  // Check every output first, and size the reply once.
  size_t reserve = 128 + response.model_name.size() + response.id.size();
  size_t binary_bytes = 0;
  std::vector<int64_t> counts;
  counts.reserve(response.outputs.size());
  for (const Tensor& output : response.outputs) {
    if (InSharedMemory(output)) {  // written to its region: no data in the reply
      counts.push_back(0);
      reserve += 160 + output.name.size() + output.shape.size() * 8;
      continue;
    }
    if (absl::Status status = CheckTensorData(output, "output"); !status.ok()) {
      return absl::InternalError(std::string(Message(status)));
    }
    counts.push_back(*ElementCount(output.shape));
    reserve += 96 + output.name.size() + output.shape.size() * 8;
    if (format.IsBinary(output.name)) {
      binary_bytes += output.data.size();
    } else if (output.datatype == DataType::kBytes) {
      reserve += output.data.size() + output.data.size() / 8 + 2 * counts.back();
    } else {
      reserve += static_cast<size_t>(counts.back()) * MaxElementChars(output.datatype);
    }
  }

  EncodedResponse encoded;
  std::string& out = encoded.body;
  out.reserve(reserve + binary_bytes);
  out += "{\"model_name\":";
  AppendJsonString(out, response.model_name);
  out += ",\"model_version\":";
  AppendJsonString(out, response.model_version);
  if (!response.id.empty()) {
    out += ",\"id\":";
    AppendJsonString(out, response.id);
  }
  AppendParameters(out, response.parameters);
  out += ",\"outputs\":[";
  for (size_t i = 0; i < response.outputs.size(); ++i) {
    const Tensor& output = response.outputs[i];
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, output.name);
    out += ",\"datatype\":\"";
    out += DataTypeName(output.datatype);
    out += "\",\"shape\":";
    AppendJsonIntArray(out, output.shape);
    if (InSharedMemory(output)) {
      AppendParameters(out, output.parameters);
    } else if (format.IsBinary(output.name)) {
      AppendParameters(out, output.parameters, output.data.size());
    } else {
      AppendParameters(out, output.parameters);
      out += ",\"data\":";
      if (absl::Status status = AppendData(out, output, counts[i]); !status.ok()) {
        return absl::InternalError(fmt::format("output '{}': {}", output.name, Message(status)));
      }
    }
    out += '}';
  }
  out += "]}";
  const auto binary = [&](const Tensor& t) {
    return !InSharedMemory(t) && format.IsBinary(t.name);
  };
  if (binary_bytes > 0 || std::any_of(response.outputs.begin(), response.outputs.end(), binary)) {
    encoded.header_length = out.size();
    for (const Tensor& output : response.outputs) {
      if (!binary(output)) continue;
      out.append(reinterpret_cast<const char*>(output.data.data()), output.data.size());
    }
  }
  return encoded;
}

std::string EncodeServerMetadata(std::string_view name, std::string_view version,
                                 std::span<const std::string> extensions) {
  std::string out;
  out.reserve(128);
  out += "{\"name\":";
  AppendJsonString(out, name);
  out += ",\"version\":";
  AppendJsonString(out, version);
  out += ",\"extensions\":[";
  for (size_t i = 0; i < extensions.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, extensions[i]);
  }
  out += "]}";
  return out;
}

namespace {
void AppendTensorMetadata(std::string& out, const std::vector<TensorMetadata>& tensors) {
  out += '[';
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, tensors[i].name);
    out += ",\"datatype\":\"";
    out += DataTypeName(tensors[i].datatype);
    out += "\",\"shape\":";
    AppendJsonIntArray(out, tensors[i].shape);
    out += '}';
  }
  out += ']';
}
}  // namespace

std::string EncodeModelMetadata(const ModelMetadata& metadata) {
  std::string out;
  out.reserve(256);
  out += "{\"name\":";
  AppendJsonString(out, metadata.name);
  out += ",\"versions\":[";
  for (size_t i = 0; i < metadata.versions.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, metadata.versions[i]);
  }
  out += "],\"platform\":";
  AppendJsonString(out, metadata.platform);
  out += ",\"inputs\":";
  AppendTensorMetadata(out, metadata.inputs);
  out += ",\"outputs\":";
  AppendTensorMetadata(out, metadata.outputs);
  out += '}';
  return out;
}

std::string ErrorJson(std::string_view message) {
  std::string body;
  body.reserve(message.size() + 16);
  body += "{\"error\":";
  AppendJsonString(body, message);
  body += '}';
  return body;
}

}  // namespace tensord::http

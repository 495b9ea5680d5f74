#include "runtime/python/control_message.h"

#include <limits>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace tensord::runtime::python {
namespace {

using nlohmann::json;

json ParametersToJson(const Parameters& parameters) {
  json out = json::object();
  for (const auto& [key, value] : parameters) {
    std::visit([&](const auto& v) { out[key] = v; }, value);
  }
  return out;
}

json TensorToJson(const ArenaTensor& tensor) {
  return json{{"name", tensor.name},   {"datatype", std::string(DataTypeName(tensor.datatype))},
              {"shape", tensor.shape}, {"offset", tensor.offset},
              {"size", tensor.size},   {"parameters", ParametersToJson(tensor.parameters)}};
}

absl::Status Bad(std::string_view field, std::string_view problem) {
  return absl::InternalError(fmt::format("worker reply: {}: {}", field, problem));
}

// Parameter values of the protocol: bool, integer, number, string. Nested values (lists,
// objects) a model may return are passed on as their JSON text.
absl::StatusOr<Parameters> ParametersFromJson(const json& object, std::string_view field) {
  Parameters out;
  if (object.is_null()) return out;
  if (!object.is_object()) return Bad(field, "expected an object");
  for (const auto& [key, value] : object.items()) {
    if (value.is_boolean()) {
      out[key] = value.get<bool>();
    } else if (value.is_number_integer()) {
      if (value.is_number_unsigned() &&
          value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        out[key] = value.get<double>();
      } else {
        out[key] = value.get<int64_t>();
      }
    } else if (value.is_number()) {
      out[key] = value.get<double>();
    } else if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (!value.is_null()) {
      out[key] = value.dump();
    }
  }
  return out;
}

absl::StatusOr<uint64_t> ReadSize(const json& object, const char* key, std::string_view field) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) {
    return Bad(fmt::format("{}.{}", field, key), "expected a whole number >= 0");
  }
  return it->get<uint64_t>();
}

absl::StatusOr<ArenaTensor> TensorFromJson(const json& entry, std::string_view field,
                                           uint64_t arena_size) {
  if (!entry.is_object()) return Bad(field, "expected an object");
  ArenaTensor tensor;
  auto name = entry.find("name");
  if (name == entry.end() || !name->is_string()) return Bad(field, "has no name");
  tensor.name = name->get<std::string>();
  auto datatype = entry.find("datatype");
  if (datatype == entry.end() || !datatype->is_string() ||
      (tensor.datatype = DataTypeFromName(datatype->get<std::string>())) == DataType::kInvalid) {
    return Bad(fmt::format("{} '{}'", field, tensor.name), "datatype is not a datatype");
  }
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) {
    return Bad(fmt::format("{} '{}'", field, tensor.name), "shape is not an array");
  }
  for (const json& dim : *shape) {
    if (!dim.is_number_unsigned() || dim.get<uint64_t>() > (uint64_t{1} << 62)) {
      return Bad(fmt::format("{} '{}'", field, tensor.name), "shape holds a bad dimension");
    }
    tensor.shape.push_back(dim.get<int64_t>());
  }
  absl::StatusOr<uint64_t> offset = ReadSize(entry, "offset", field);
  if (!offset.ok()) return offset.status();
  absl::StatusOr<uint64_t> size = ReadSize(entry, "size", field);
  if (!size.ok()) return size.status();
  tensor.offset = *offset;
  tensor.size = *size;
  if (tensor.offset > arena_size || tensor.size > arena_size - tensor.offset) {
    return Bad(fmt::format("{} '{}'", field, tensor.name),
               fmt::format("bytes [{}, +{}) lie outside the arena of {} bytes", tensor.offset,
                           tensor.size, arena_size));
  }
  if (tensor.datatype != DataType::kBytes) {
    absl::StatusOr<int64_t> count = ElementCount(tensor.shape);
    if (!count.ok()) return Bad(fmt::format("{} '{}'", field, tensor.name), "shape is too large");
    const uint64_t expected = static_cast<uint64_t>(*count) * DataTypeByteSize(tensor.datatype);
    if (expected != tensor.size) {
      return Bad(fmt::format("{} '{}'", field, tensor.name),
                 fmt::format("shape {} needs {} bytes, the arena holds {}",
                             ShapeToString(tensor.shape), expected, tensor.size));
    }
  }
  auto parameters = entry.find("parameters");
  if (parameters != entry.end()) {
    absl::StatusOr<Parameters> parsed =
        ParametersFromJson(*parameters, fmt::format("{} '{}'.parameters", field, tensor.name));
    if (!parsed.ok()) return parsed.status();
    tensor.parameters = *std::move(parsed);
  }
  return tensor;
}

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string EncodePredictCall(const PredictCall& call) {
  json message{{"op", "predict"},
               {"id", call.id},
               {"parameters", ParametersToJson(call.parameters)},
               {"arena_size", call.arena_size}};
  json inputs = json::array();
  for (const ArenaTensor& input : call.inputs) inputs.push_back(TensorToJson(input));
  message["inputs"] = std::move(inputs);
  message["outputs"] = call.outputs;
  // Invalid UTF-8 in a name or parameter is replaced, not thrown: the protocol's strings are
  // UTF-8 and the frontends check them; this is the last line.
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<WorkerReply> DecodeWorkerReply(std::string_view json_text, uint64_t arena_limit) {
  json message =
      json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) {
    return Bad("message", "not a JSON object");
  }
  WorkerReply reply;
  auto ok = message.find("ok");
  if (ok == message.end() || !ok->is_boolean()) return Bad("ok", "expected true or false");
  reply.ok = ok->get<bool>();
  reply.phase = StringField(message, "phase");
  if (!reply.ok) {
    reply.error = StringField(message, "error");
    reply.traceback = StringField(message, "traceback");
    if (reply.error.empty()) reply.error = "the worker reported an error without a message";
    auto status = message.find("status_code");
    if (status != message.end() && status->is_number_integer()) {
      const int64_t code = status->get<int64_t>();
      if (code >= 400 && code <= 599) reply.status_code = static_cast<int>(code);
    }
    return reply;
  }
  auto arena_size = message.find("arena_size");
  if (arena_size != message.end()) {
    if (!arena_size->is_number_unsigned()) return Bad("arena_size", "expected a whole number");
    reply.arena_size = arena_size->get<uint64_t>();
    if (reply.arena_size > arena_limit) {
      return Bad("arena_size",
                 fmt::format("{} bytes is past the limit of {}", reply.arena_size, arena_limit));
    }
  }
  auto outputs = message.find("outputs");
  if (outputs != message.end() && !outputs->is_null()) {
    if (!outputs->is_array()) return Bad("outputs", "expected an array");
    for (const json& entry : *outputs) {
      absl::StatusOr<ArenaTensor> tensor = TensorFromJson(entry, "output", reply.arena_size);
      if (!tensor.ok()) return tensor.status();
      reply.outputs.push_back(*std::move(tensor));
    }
  }
  auto parameters = message.find("parameters");
  if (parameters != message.end()) {
    absl::StatusOr<Parameters> parsed = ParametersFromJson(*parameters, "parameters");
    if (!parsed.ok()) return parsed.status();
    reply.parameters = *std::move(parsed);
  }
  return reply;
}

std::string FrameMessage(std::string_view payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  std::string frame;
  frame.reserve(4 + payload.size());
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  frame.append(payload);
  return frame;
}

absl::StatusOr<uint32_t> FrameLength(const unsigned char header[4]) {
  const uint32_t n = uint32_t{header[0]} | (uint32_t{header[1]} << 8) |
                     (uint32_t{header[2]} << 16) | (uint32_t{header[3]} << 24);
  if (n > kMaxMessageBytes) {
    return absl::InternalError(
        fmt::format("worker message of {} bytes is past the limit of {}", n, kMaxMessageBytes));
  }
  return n;
}

}  // namespace tensord::runtime::python

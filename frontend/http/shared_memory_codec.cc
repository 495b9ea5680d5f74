#include "frontend/http/shared_memory_codec.h"

#include "fmt/format.h"
#include "frontend/json_writer.h"
#include "simdjson.h"

namespace tensord::http {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

absl::Status RegisterError(std::string_view name, std::string_view problem) {
  return absl::InvalidArgumentError(
      fmt::format("cannot register system shared memory region '{}': {}", name, problem));
}

// A non-negative integer field; nullopt when absent.
absl::StatusOr<std::optional<uint64_t>> SizeField(simdjson::dom::object object,
                                                  std::string_view field, std::string_view name) {
  element value;
  if (object[field].get(value)) return std::optional<uint64_t>();
  if (value.type() == element_type::UINT64)
    return std::optional<uint64_t>(value.get_uint64().value_unsafe());
  if (value.type() == element_type::INT64 && value.get_int64().value_unsafe() >= 0) {
    return std::optional<uint64_t>(static_cast<uint64_t>(value.get_int64().value_unsafe()));
  }
  return RegisterError(name, fmt::format("'{}' must be a non-negative integer", field));
}

}  // namespace

absl::StatusOr<SharedMemoryRegion> DecodeRegisterRequest(const PaddedBuffer& body,
                                                         std::string_view name) {
  simdjson::dom::parser parser;
  element root;
  if (simdjson::error_code error =
          parser.parse(body.data(), body.size(), /*realloc_if_needed=*/false).get(root)) {
    return RegisterError(name, fmt::format("malformed JSON in the request body: {}",
                                           simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return RegisterError(name,
                         "the request body must be a JSON object with 'key', 'offset' and "
                         "'byte_size'");
  }
  SharedMemoryRegion region{.name = std::string(name)};
  element key;
  std::string_view key_text;
  if (object["key"].get(key) || key.get_string().get(key_text)) {
    return RegisterError(name, "'key' (a string naming the shared memory object) is required");
  }
  region.key = std::string(key_text);
  absl::StatusOr<std::optional<uint64_t>> offset = SizeField(object, "offset", name);
  if (!offset.ok()) return offset.status();
  region.offset = offset->value_or(0);
  absl::StatusOr<std::optional<uint64_t>> size = SizeField(object, "byte_size", name);
  if (!size.ok()) return size.status();
  if (!size->has_value()) return RegisterError(name, "'byte_size' is required");
  region.byte_size = **size;
  return region;
}

std::string EncodeSharedMemoryStatus(const std::vector<SharedMemoryRegion>& regions) {
  std::string out = "[";
  for (size_t i = 0; i < regions.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, regions[i].name);
    out += ",\"key\":";
    AppendJsonString(out, regions[i].key);
    out += ",\"offset\":";
    AppendJsonNumber(out, regions[i].offset);
    out += ",\"byte_size\":";
    AppendJsonNumber(out, regions[i].byte_size);
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace tensord::http

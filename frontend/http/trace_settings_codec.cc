#include "frontend/http/trace_settings_codec.h"

#include "fmt/format.h"
#include "frontend/json_writer.h"
#include "simdjson.h"

namespace tensord::http {
namespace {

absl::Status BadValue(std::string_view key) {
  return absl::InvalidArgumentError(fmt::format(
      "trace setting '{}' must be a string, an array of strings, or null", key));
}

}  // namespace

absl::StatusOr<TraceSettingsMap> DecodeTraceSettingsUpdate(const PaddedBuffer& body) {
  TraceSettingsMap update;
  if (body.view().find_first_not_of(" \t\r\n") == std::string_view::npos) return update;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (simdjson::error_code error =
          parser.parse(body.data(), body.size(), /*realloc_if_needed=*/false).get(root)) {
    return absl::InvalidArgumentError(fmt::format(
        "malformed JSON in trace settings request body: {}", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return absl::InvalidArgumentError("trace settings request body must be a JSON object");
  }
  for (simdjson::dom::key_value_pair field : object) {
    const std::string key(field.key);
    std::vector<std::string> values;
    switch (field.value.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        break;
      case simdjson::dom::element_type::STRING:
        values.emplace_back(field.value.get_string().value_unsafe());
        break;
      case simdjson::dom::element_type::INT64:
        values.push_back(std::to_string(field.value.get_int64().value_unsafe()));
        break;
      case simdjson::dom::element_type::UINT64:
        values.push_back(std::to_string(field.value.get_uint64().value_unsafe()));
        break;
      case simdjson::dom::element_type::ARRAY: {
        simdjson::dom::array items;
        if (field.value.get_array().get(items)) return BadValue(key);
        for (simdjson::dom::element item : items) {
          std::string_view text;
          if (item.get_string().get(text)) return BadValue(key);
          values.emplace_back(text);
        }
        if (values.empty()) return BadValue(key);
        break;
      }
      default:
        return BadValue(key);
    }
    update.insert_or_assign(key, std::move(values));
  }
  return update;
}

std::string EncodeTraceSettings(const TraceSettingsMap& settings) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, values] : settings) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, name);
    out += ':';
    if (name == "trace_level") {
      out += '[';
      for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonString(out, values[i]);
      }
      out += ']';
    } else {
      AppendJsonString(out, values.empty() ? std::string() : values.front());
    }
  }
  out += '}';
  return out;
}

}  // namespace tensord::http

#include "frontend/http/log_settings_codec.h"

#include "fmt/format.h"
#include "frontend/json_writer.h"
#include "simdjson.h"

namespace tensord::http {

absl::StatusOr<LogSettingsUpdate> DecodeLogSettingsUpdate(const PaddedBuffer& body) {
  LogSettingsUpdate update;
  if (body.view().find_first_not_of(" \t\r\n") == std::string_view::npos) return update;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (simdjson::error_code error =
          parser.parse(body.data(), body.size(), /*realloc_if_needed=*/false).get(root)) {
    return absl::InvalidArgumentError(fmt::format("malformed JSON in log settings request body: {}",
                                                  simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return absl::InvalidArgumentError("log settings request body must be a JSON object");
  }
  for (simdjson::dom::key_value_pair field : object) {
    std::string key(field.key);
    switch (field.value.type()) {
      case simdjson::dom::element_type::BOOL:
        update.insert_or_assign(std::move(key), field.value.get_bool().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        update.insert_or_assign(std::move(key), field.value.get_uint64().value_unsafe());
        break;
      case simdjson::dom::element_type::INT64: {
        const int64_t value = field.value.get_int64().value_unsafe();
        if (value < 0) {
          return absl::InvalidArgumentError(
              fmt::format("log settings: '{}' must not be negative, got {}", key, value));
        }
        update.insert_or_assign(std::move(key), static_cast<uint64_t>(value));
        break;
      }
      case simdjson::dom::element_type::STRING:
        update.insert_or_assign(std::move(key),
                                std::string(field.value.get_string().value_unsafe()));
        break;
      default:
        return absl::InvalidArgumentError(fmt::format(
            "log settings: '{}' must be a boolean, a non-negative integer or a string", key));
    }
  }
  return update;
}

std::string EncodeLogSettings(const LogSettings& settings) {
  std::string out = "{\"log_file\":";
  AppendJsonString(out, settings.log_file);
  out += ",\"log_info\":";
  AppendJsonBool(out, settings.log_info);
  out += ",\"log_warning\":";
  AppendJsonBool(out, settings.log_warning);
  out += ",\"log_error\":";
  AppendJsonBool(out, settings.log_error);
  out += ",\"log_verbose_level\":";
  AppendJsonNumber(out, static_cast<uint64_t>(settings.log_verbose_level));
  out += ",\"log_format\":";
  AppendJsonString(out, settings.log_format);
  out += '}';
  return out;
}

}  // namespace tensord::http

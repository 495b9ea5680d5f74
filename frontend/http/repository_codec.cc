#include "frontend/http/repository_codec.h"

#include <string_view>

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "frontend/json_writer.h"
#include "simdjson.h"

namespace tensord::http {
namespace {

using simdjson::dom::element;

bool IsBlank(const PaddedBuffer& body) {
  return body.view().find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The body as a JSON object; `route` names the request in messages.
absl::StatusOr<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser,
                                                  const PaddedBuffer& body,
                                                  std::string_view route) {
  element root;
  if (simdjson::error_code error =
          parser.parse(body.data(), body.size(), /*realloc_if_needed=*/false).get(root)) {
    return absl::InvalidArgumentError(fmt::format("malformed JSON in {} request body: {}", route,
                                                  simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return absl::InvalidArgumentError(fmt::format("{} request body must be a JSON object", route));
  }
  return object;
}

// The "parameters" object, or an empty optional when absent.
absl::StatusOr<std::optional<simdjson::dom::object>> Parameters(simdjson::dom::object body,
                                                                std::string_view route) {
  element value;
  if (body["parameters"].get(value)) return std::optional<simdjson::dom::object>();
  simdjson::dom::object parameters;
  if (value.get_object().get(parameters)) {
    return absl::InvalidArgumentError(
        fmt::format("{} request: 'parameters' must be a JSON object", route));
  }
  return std::optional<simdjson::dom::object>(parameters);
}

}  // namespace

absl::StatusOr<bool> DecodeIndexRequest(const PaddedBuffer& body) {
  if (IsBlank(body)) return false;
  simdjson::dom::parser parser;
  absl::StatusOr<simdjson::dom::object> object = ParseObject(parser, body, "repository index");
  if (!object.ok()) return object.status();
  element ready;
  if ((*object)["ready"].get(ready)) return false;
  bool value = false;
  if (ready.get_bool().get(value)) {
    return absl::InvalidArgumentError("repository index request: 'ready' must be a boolean");
  }
  return value;
}

std::string EncodeRepositoryIndex(const std::vector<ModelVersionStatus>& rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, rows[i].name);
    if (!rows[i].version.empty()) {
      out += ",\"version\":";
      AppendJsonString(out, rows[i].version);
    }
    out += ",\"state\":";
    AppendJsonString(out, ModelStateName(rows[i].state));
    out += ",\"reason\":";
    AppendJsonString(out, rows[i].reason);
    out += '}';
  }
  out += ']';
  return out;
}

absl::StatusOr<ModelLoadOptions> DecodeLoadRequest(const PaddedBuffer& body) {
  ModelLoadOptions options;
  if (IsBlank(body)) return options;
  simdjson::dom::parser parser;
  absl::StatusOr<simdjson::dom::object> object = ParseObject(parser, body, "model load");
  if (!object.ok()) return object.status();
  absl::StatusOr<std::optional<simdjson::dom::object>> parameters =
      Parameters(*object, "model load");
  if (!parameters.ok()) return parameters.status();
  if (!parameters->has_value()) return options;
  for (simdjson::dom::key_value_pair field : **parameters) {
    const std::string_view key = field.key;
    if (key.starts_with(kFileParameterPrefix)) {
      // Triton's load from memory: the file's bytes, base64-encoded.
      std::string_view text;
      std::string content;
      if (field.value.get_string().get(text) ||
          !absl::Base64Unescape(absl::string_view(text.data(), text.size()), &content)) {
        return absl::InvalidArgumentError(fmt::format(
            "model load request: parameter '{}' must be a string holding the file's content "
            "in base64",
            key));
      }
      options.files.push_back(
          {.path = std::string(key.substr(kFileParameterPrefix.size())), .content = std::move(content)});
      continue;
    }
    if (key != "config") continue;  // others (Triton's) do not apply here
    std::string_view text;
    if (!field.value.get_string().get(text)) {
      options.config_json = std::string(text);
    } else if (field.value.is_object()) {
      options.config_json = simdjson::minify(field.value);
    } else {
      return absl::InvalidArgumentError(
          "model load request: parameter 'config' must be a string holding the JSON model "
          "configuration");
    }
  }
  return options;
}

absl::Status DecodeUnloadRequest(const PaddedBuffer& body) {
  if (IsBlank(body)) return absl::OkStatus();
  simdjson::dom::parser parser;
  absl::StatusOr<simdjson::dom::object> object = ParseObject(parser, body, "model unload");
  if (!object.ok()) return object.status();
  return Parameters(*object, "model unload").status();
}

}  // namespace tensord::http

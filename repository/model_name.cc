#include "repository/model_name.h"

#include <string>

#include "fmt/format.h"

namespace tensord {
namespace {


absl::Status Check(std::string_view what, std::string_view name) {
  const auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        fmt::format("{} '{}' is not valid: {}", what, Printable(name), why));
  };
  if (name.empty()) return invalid("it is empty");
  if (name == "." || name == "..") return invalid("it must name a folder inside the repository");
  if (name.front() == '.') return invalid("it must not start with '.'");
  for (char c : name) {
    if (c == '/' || c == '\\') return invalid("it must not contain '/' or '\\'");
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return invalid("it must not contain control characters");
  }
  if (name.size() > 255) return invalid("it is longer than 255 bytes");
  return absl::OkStatus();
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

absl::Status ValidateModelName(std::string_view name) { return Check("model name", name); }

absl::Status ValidateVersionLabel(std::string_view version) {
  if (version.empty()) return absl::OkStatus();
  return Check("model version", version);
}

}  // namespace tensord

// Checks model names and version labels that come from clients before they are used to
// find a folder in the repository: a name must name a folder directly inside the root.
//
//   if (absl::Status s = ValidateModelName(name); !s.ok()) return s;   // InvalidArgument
//
// Rejected: empty, ".", "..", any '/' or '\\', a NUL or other control character, and a
// leading '.' (hidden folders are never models). Messages quote the name, escaped.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace tensord {

absl::Status ValidateModelName(std::string_view name);

// A client-given name or path as a message may show it: control characters as \xNN, at most
// 200 bytes.
std::string Printable(std::string_view text);

// Version labels: empty (none given) or the same rules as names.
absl::Status ValidateVersionLabel(std::string_view version);

}  // namespace tensord

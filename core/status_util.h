// Small bridges between absl::Status and the standard library.
//
// Debian's Abseil is built with its own absl::string_view (not std::string_view), so
// absl::StrCat does not take std::string_view and Status::message() is not a
// std::string_view. Build messages with fmt::format, and read messages with Message().
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace tensord {

inline std::string_view Message(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

// The same code with `context: ` put before the message.
inline absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  std::string message(context);
  message += ": ";
  message += Message(status);
  return absl::Status(status.code(), message);
}

}  // namespace tensord

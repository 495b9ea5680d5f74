// The log settings of Triton's logging extension, as the service interface reads and
// changes them (serving/log_settings.h applies them).
//
//   LogSettingsUpdate update = {{"log_verbose_level", uint64_t{1}}};
//   absl::StatusOr<LogSettings> now = service.UpdateLogSettings(update);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace tensord {

struct LogSettings {
  std::string log_file;
  bool log_info = true;
  bool log_warning = true;
  bool log_error = true;
  uint32_t log_verbose_level = 0;
  std::string log_format = "text";
};

// A setting's new value as the wire gives it: bool, a non-negative integer, or a string.
using LogSettingValue = std::variant<bool, uint64_t, std::string>;
using LogSettingsUpdate = std::map<std::string, LogSettingValue, std::less<>>;

}  // namespace tensord

// JSON of Triton's logging extension (GET/POST v2/logging).
//
//   absl::StatusOr<LogSettingsUpdate> update = DecodeLogSettingsUpdate(body);
//   // body: {"log_verbose_level": 1, "log_info": true}
//   std::string json = EncodeLogSettings(settings);
//   // {"log_file":"","log_info":true,"log_warning":true,"log_error":true,
//   //  "log_verbose_level":0,"log_format":"text"}
//
// Values are kept as the JSON types they are (bool, non-negative integer, string); which
// setting takes which is the service's check. Errors are InvalidArgument naming the field.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/log_settings.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

absl::StatusOr<LogSettingsUpdate> DecodeLogSettingsUpdate(const PaddedBuffer& body);
std::string EncodeLogSettings(const LogSettings& settings);

}  // namespace tensord::http

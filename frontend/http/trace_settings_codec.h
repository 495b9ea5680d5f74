// JSON of Triton's trace extension (GET/POST v2[/models/<m>]/trace/setting).
//
//   absl::StatusOr<TraceSettingsMap> update = DecodeTraceSettingsUpdate(body);
//   // body: {"trace_level": ["TIMESTAMPS"], "trace_rate": "10", "trace_count": null}
//   std::string json = EncodeTraceSettings(settings);
//   // {"log_frequency":"0","trace_count":"-1","trace_file":"","trace_level":["OFF"],
//   //  "trace_rate":"1000"}
//
// A value is a string, an array of strings, or null (a model's own value dropped); numbers
// are taken as their text too (a client writing "trace_rate": 10). trace_level is written
// as an array, every other setting as a string, as Triton writes them. Errors are
// InvalidArgument naming the setting.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/trace.h"
#include "frontend/http/padded_buffer.h"

namespace tensord::http {

absl::StatusOr<TraceSettingsMap> DecodeTraceSettingsUpdate(const PaddedBuffer& body);
std::string EncodeTraceSettings(const TraceSettingsMap& settings);

}  // namespace tensord::http

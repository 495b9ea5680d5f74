#include "frontend/log_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "frontend/json_writer.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/spdlog.h"

namespace tensord {

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError("--log-format: '" + std::string(name) +
                                    "' is not one of text, json");
}

std::string JsonEscape(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  AppendJsonString(quoted, text);
  return quoted.substr(1, quoted.size() - 2);  // the inside of the string
}

std::string Iso8601Utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];  // room for any int the compiler can imagine
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>((millis.count() + 1000) % 1000));
  return buffer;
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  std::string line = "{\"time\":\"" + Iso8601Utc(msg.time) + "\",\"level\":\"";
  const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
  line.append(level.data(), level.size());
  const std::string_view payload(msg.payload.data(), msg.payload.size());
  if (raw_field_.empty()) {
    line += "\",\"message\":";
    AppendJsonString(line, payload);
    line += "}\n";
  } else {
    line += "\",\"" + raw_field_ + "\":";
    line += payload;
    line += "}\n";
  }
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>(raw_field_);
}

std::unique_ptr<spdlog::formatter> MakeTextFormatter() {
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                                                     spdlog::pattern_time_type::utc);
}

void ConfigureLogging(LogFormat format) {
  if (format == LogFormat::kJson) {
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
  } else {
    spdlog::set_formatter(MakeTextFormatter());
  }
}

}  // namespace tensord

// Log line formats for spdlog: ISO-8601 UTC text, or one JSON object per line.
//
//   tensord::ConfigureLogging(tensord::LogFormat::kJson);   // at start, before logging
//   spdlog::info("model '{}' ready", name);
//   // text: 2026-11-28T22:10:00.123Z info model 'mlp' ready
//   // json: {"time":"2026-11-28T22:10:00.123Z","level":"info","message":"model 'mlp' ready"}
//
// JsonLogFormatter with a raw_field ("access") writes the message unescaped under that key:
// for loggers whose messages are already JSON objects (the access log).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "spdlog/formatter.h"

namespace tensord {

enum class LogFormat { kText, kJson };

// "text" or "json"; InvalidArgument naming --log-format otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name);

// `text` as the inside of a JSON string (frontend/json_writer.h's escaping, without the
// quotes), so that one log line stays one line.
std::string JsonEscape(std::string_view text);

// "2026-11-28T22:10:00.123Z"
std::string Iso8601Utc(std::chrono::system_clock::time_point time);

class JsonLogFormatter final : public spdlog::formatter {
 public:
  // Empty raw_field: the message goes escaped under "message".
  explicit JsonLogFormatter(std::string raw_field = "") : raw_field_(std::move(raw_field)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  std::string raw_field_;
};

// "<time> <level> <message>" with Iso8601Utc's time.
std::unique_ptr<spdlog::formatter> MakeTextFormatter();

// Sets the default logger's formatter.
void ConfigureLogging(LogFormat format);

}  // namespace tensord

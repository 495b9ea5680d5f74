#include "serving/log_settings.h"

#include <limits>

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("log settings: {}", message));
}

spdlog::level::level_enum LevelFor(const LogSettings& settings) {
  if (settings.log_verbose_level > 1) return spdlog::level::trace;
  if (settings.log_verbose_level == 1) return spdlog::level::debug;
  if (settings.log_info) return spdlog::level::info;
  if (settings.log_warning) return spdlog::level::warn;
  if (settings.log_error) return spdlog::level::err;
  return spdlog::level::off;
}

absl::Status SetBool(std::string_view name, const LogSettingValue& value, bool& out) {
  const bool* flag = std::get_if<bool>(&value);
  if (flag == nullptr) return Invalid(fmt::format("'{}' must be true or false", name));
  out = *flag;
  return absl::OkStatus();
}

}  // namespace

LogSettingsControl::LogSettingsControl(LogSettings initial) : settings_(std::move(initial)) {
  spdlog::set_level(LevelFor(settings_));
}

LogSettings LogSettingsControl::Get() const {
  absl::MutexLock lock(&mutex_);
  return settings_;
}

absl::StatusOr<LogSettings> LogSettingsControl::Update(const LogSettingsUpdate& update) {
  absl::MutexLock lock(&mutex_);
  LogSettings next = settings_;
  for (const auto& [name, value] : update) {
    absl::Status set;
    if (name == "log_info") {
      set = SetBool(name, value, next.log_info);
    } else if (name == "log_warning" || name == "log_warnings") {
      set = SetBool(name, value, next.log_warning);
    } else if (name == "log_error" || name == "log_errors") {
      set = SetBool(name, value, next.log_error);
    } else if (name == "log_verbose_level") {
      const uint64_t* level = std::get_if<uint64_t>(&value);
      if (level == nullptr || *level > std::numeric_limits<uint32_t>::max()) {
        return Invalid("'log_verbose_level' must be an integer >= 0");
      }
      next.log_verbose_level = static_cast<uint32_t>(*level);
    } else if (name == "log_file") {
      const std::string* file = std::get_if<std::string>(&value);
      if (file == nullptr || !file->empty()) {
        return Invalid(
            "'log_file' is not supported: tensord logs to standard error (log_file must be \"\")");
      }
    } else if (name == "log_format") {
      const std::string* format = std::get_if<std::string>(&value);
      if (format == nullptr || *format != settings_.log_format) {
        return Invalid(fmt::format(
            "'log_format' cannot be changed while the server runs: it is \"{}\" (--log-format "
            "text or json at start)",
            settings_.log_format));
      }
    } else {
      return Invalid(
          fmt::format("unknown setting '{}' (known: log_file, log_info, log_warning, log_error, "
                      "log_verbose_level, log_format)",
                      name));
    }
    if (!set.ok()) return set;
  }
  // One threshold: a less detailed level may not be off while a more detailed one is on.
  if ((next.log_info && !next.log_warning) || (next.log_warning && !next.log_error)) {
    return Invalid(fmt::format(
        "log_info={}, log_warning={}, log_error={} cannot be honoured: tensord logs by one "
        "threshold, so turning a level on keeps the more severe ones on",
        next.log_info, next.log_warning, next.log_error));
  }
  settings_ = next;
  spdlog::set_level(LevelFor(settings_));
  return settings_;
}

}  // namespace tensord

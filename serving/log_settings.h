// Triton's logging extension: the log settings a client reads and changes while the server
// runs (GET/POST v2/logging, gRPC LogSettings), applied to spdlog's level at once.
//
//   LogSettingsControl control({.log_verbose_level = 0, .log_format = "text"});
//   absl::StatusOr<LogSettings> now = control.Update({{"log_verbose_level", uint64_t{1}}});
//
// spdlog filters by one threshold, so the settings must describe one: a level is logged
// when it or any more detailed level is (log_info true with log_warning false is refused,
// naming the settings). log_file must stay "" (tensord logs to standard error) and
// log_format can only be set to the format the server was started with ("text" or "json";
// Triton's "default" and "ISO8601" are refused with the reason). Thread-safe.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/log_settings.h"

namespace tensord {

class LogSettingsControl {
 public:
  // Applies `initial` to spdlog.
  explicit LogSettingsControl(LogSettings initial);

  LogSettings Get() const;
  // All of `update` or none of it; InvalidArgument naming the setting for an unknown name,
  // a value of the wrong type, or settings that cannot be honoured (see the file comment).
  // Triton's plural spellings (log_warnings, log_errors) are accepted too.
  absl::StatusOr<LogSettings> Update(const LogSettingsUpdate& update);

 private:
  mutable absl::Mutex mutex_;
  LogSettings settings_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace tensord

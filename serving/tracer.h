// Triton's trace extension: which requests are traced, their timelines written as Triton
// writes them (a JSON array; per trace {"id","model_name","model_version"} then {"id",
// "timestamps":[{"name","ns"}, ...]}, ns on the steady clock), and the settings.
//
//   absl::StatusOr<std::unique_ptr<Tracer>> tracer =
//       Tracer::Create({.file = "/var/log/tensord/trace.json", .level = {"TIMESTAMPS"}, .rate = 100});
//   std::shared_ptr<RequestTrace> trace = (*tracer)->Sample("mlp", "1");   // nullptr mostly
//   ... scheduler stamps it ...
//   (*tracer)->Finish(std::move(trace));                                   // REQUEST_END
//
// Settings (Triton's names and text values): trace_level OFF or TIMESTAMPS (TENSORS is
// refused: tensord does not record tensor contents), trace_rate N (one request in N is
// traced, the first included), trace_count N (traces left; -1 unlimited; a change restarts
// it), log_frequency N (every N traces go to "<trace_file>.<index>"; 0: all of them to
// trace_file when the server stops — at most kMaxBufferedTraces are kept for that), and
// trace_file, which only the command line sets: a request naming a file to write is the
// remote file write Triton's CVE-2023-31036 was about, so a different trace_file in an
// update is refused. Per-model settings start as a copy of the global ones.
// Thread-safe. Sample costs one atomic load while no setting traces.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/trace.h"

namespace tensord {

inline constexpr size_t kMaxBufferedTraces = 100'000;

struct TraceOptions {
  std::string file;
  std::vector<std::string> level = {"OFF"};
  int64_t rate = 1000;
  int64_t count = -1;
  int64_t log_frequency = 0;
};

class Tracer {
 public:
  // InvalidArgument, naming the flag's setting, for options a request would be refused.
  static absl::StatusOr<std::unique_ptr<Tracer>> Create(const TraceOptions& options);
  // Writes what is still buffered.
  ~Tracer();

  TraceSettingsMap Get(std::string_view model) const;
  absl::StatusOr<TraceSettingsMap> Update(std::string_view model, const TraceSettingsMap& update);

  // A trace with REQUEST_START stamped at `arrival` when this request is sampled.
  std::shared_ptr<RequestTrace> Sample(std::string_view model, std::string_view version,
                                       std::chrono::steady_clock::time_point arrival);
  // Stamps REQUEST_END and keeps the trace for the file.
  void Finish(std::shared_ptr<RequestTrace> trace);

 private:
  struct Settings {
    bool timestamps = false;
    int64_t rate = 1000;
    int64_t count = -1;  // traces left
    int64_t log_frequency = 0;
    uint64_t seen = 0;   // requests since the rate last changed
  };
  explicit Tracer(std::string file, Settings global) : file_(std::move(file)), global_(global) {}

  absl::StatusOr<Settings> Apply(const Settings& base, const TraceSettingsMap& update) const;
  TraceSettingsMap Describe(const Settings& settings) const;
  void RefreshEnabled();  // mutex_ held
  void WriteBuffered();   // mutex_ held

  const std::string file_;
  std::atomic<bool> enabled_{false};
  mutable std::mutex mutex_;
  Settings global_;
  std::map<std::string, Settings, std::less<>> models_;
  uint64_t next_id_ = 1;
  std::vector<std::string> buffered_;  // one JSON text per trace (two objects)
  int64_t frequency_ = 0;              // the log_frequency buffered_ follows
  uint64_t file_index_ = 0;
  bool warned_full_ = false;
};

}  // namespace tensord

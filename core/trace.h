// Triton's trace extension, as the service interface reads and changes it and as a sampled
// request carries its timeline (serving/tracer.h decides which requests and writes them).
//
//   TraceSettingsMap update = {{"trace_level", {"TIMESTAMPS"}}, {"trace_rate", {"1"}}};
//   absl::StatusOr<TraceSettingsMap> now = service.UpdateTraceSettings("", update);
//   // now: {"log_frequency": {"0"}, "trace_count": {"-1"}, "trace_file": {"/var/t.json"},
//   //       "trace_level": {"TIMESTAMPS"}, "trace_rate": {"1"}}
//
//   if (RequestTrace* trace = request.trace.get()) trace->Stamp("COMPUTE_START", now);
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tensord {

// Setting name -> its values as text (Triton's wire form; trace_level may hold several).
// In an update of a model's settings, an empty list removes the model's own value so that
// the global one applies again.
using TraceSettingsMap = std::map<std::string, std::vector<std::string>, std::less<>>;

// The timeline of one sampled request. Stamps are written by one thread at a time (the
// frontend, then the scheduler, then the completion), each handing over to the next.
struct RequestTrace {
  uint64_t id = 0;
  std::string model_name;
  std::string model_version;
  std::vector<std::pair<const char*, std::chrono::steady_clock::time_point>> timestamps;

  void Stamp(const char* name, std::chrono::steady_clock::time_point at) {
    timestamps.emplace_back(name, at);
  }
};

}  // namespace tensord

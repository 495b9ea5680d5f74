#include "frontend/http/console/console_state.h"

#include <chrono>
#include <span>

#include "frontend/json_writer.h"

namespace tensord::http {
namespace {

void Key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

void AppendCounts(std::string& out, std::span<const uint64_t> counts) {
  out += '[';
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonNumber(out, counts[i]);
  }
  out += ']';
}

void AppendModel(std::string& out, const ModelStats& model) {
  const InferenceStats& s = model.stats;
  out += '{';
  Key(out, "name");
  AppendJsonString(out, model.name);
  out += ',';
  Key(out, "version");
  AppendJsonString(out, model.version);
  const auto number = [&out](std::string_view key, uint64_t value) {
    out += ',';
    Key(out, key);
    AppendJsonNumber(out, value);
  };
  number("success", s.success_count);
  number("failure", s.failure_count);
  number("rejected", s.rejected_count);
  number("timeout", s.timeout_count);
  number("cancelled", s.cancelled_count);
  number("inferences", s.inference_count);
  number("executions", s.execution_count);
  number("queue_ns", s.queue_ns);
  number("compute_ns", s.compute_input_ns + s.compute_infer_ns + s.compute_output_ns);
  number("pending", s.pending_requests);
  number("busy", s.busy_instances);
  number("instances", s.instance_count);
  const auto last_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(s.last_inference.time_since_epoch())
          .count();
  number("last_inference_ms", static_cast<uint64_t>(last_ms > 0 ? last_ms : 0));
  out += ',';
  Key(out, "queue_histogram");
  AppendCounts(out, s.queue_histogram.counts);
  out += ',';
  Key(out, "compute_histogram");
  AppendCounts(out, s.compute_histogram.counts);
  out += ',';
  Key(out, "batch_sizes");
  out += '[';
  bool first = true;
  for (const auto& [rows, batch] : s.batch_stats) {
    if (!first) out += ',';
    first = false;
    out += '[';
    AppendJsonNumber(out, static_cast<int64_t>(rows));
    out += ',';
    AppendJsonNumber(out, batch.count);
    out += ']';
  }
  out += "]}";
}

}  // namespace

std::string EncodeConsoleState(const ConsoleStateInput& input) {
  std::string out = "{\"server\":{";
  Key(out, "name");
  AppendJsonString(out, input.server.name);
  out += ',';
  Key(out, "version");
  AppendJsonString(out, input.server.version);
  out += ',';
  Key(out, "model_control_mode");
  AppendJsonString(out, input.model_control_mode);
  out += ',';
  Key(out, "uptime_s");
  AppendJsonNumber(out, input.usage.uptime_seconds);
  out += ',';
  Key(out, "cpu_s");
  AppendJsonNumber(out, input.usage.cpu_seconds);
  out += ',';
  Key(out, "rss_bytes");
  AppendJsonNumber(out, input.usage.rss_bytes);
  out += ',';
  Key(out, "usable_cores");
  AppendJsonNumber(out, static_cast<int64_t>(input.usage.usable_cores));
  out += "},";
  Key(out, "duration_buckets_ns");
  AppendCounts(out, kDurationBucketsNs);
  out += ',';
  Key(out, "models");
  out += '[';
  for (size_t i = 0; i < input.models.size(); ++i) {
    if (i > 0) out += ',';
    AppendModel(out, input.models[i]);
  }
  out += "]}";
  return out;
}

}  // namespace tensord::http

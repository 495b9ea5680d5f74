#include "frontend/http/stats_codec.h"

#include <chrono>
#include <cstdint>

#include "frontend/json_writer.h"

namespace tensord::http {
namespace {

void AppendDuration(std::string& out, std::string_view key, uint64_t count, uint64_t ns) {
  out += '"';
  out += key;
  out += "\":{\"count\":";
  AppendJsonNumber(out, count);
  out += ",\"ns\":";
  AppendJsonNumber(out, ns);
  out += '}';
}

void AppendModel(std::string& out, const ModelStats& model) {
  const InferenceStats& s = model.stats;
  const uint64_t executed = ExecutedRequests(s);
  const auto last_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(s.last_inference.time_since_epoch())
          .count();
  out += "{\"name\":";
  AppendJsonString(out, model.name);
  out += ",\"version\":";
  AppendJsonString(out, model.version);
  out += ",\"last_inference\":";
  AppendJsonNumber(out, static_cast<uint64_t>(last_ms > 0 ? last_ms : 0));
  out += ",\"inference_count\":";
  AppendJsonNumber(out, s.inference_count);
  out += ",\"execution_count\":";
  AppendJsonNumber(out, s.execution_count);
  out += ",\"inference_stats\":{";
  AppendDuration(out, "success", s.success_count, s.success_ns);
  out += ',';
  AppendDuration(out, "fail", s.failure_count, s.failure_ns);
  out += ',';
  AppendDuration(out, "queue", executed, s.queue_ns);
  out += ',';
  AppendDuration(out, "compute_input", executed, s.compute_input_ns);
  out += ',';
  AppendDuration(out, "compute_infer", executed, s.compute_infer_ns);
  out += ',';
  AppendDuration(out, "compute_output", executed, s.compute_output_ns);
  out += ',';
  AppendDuration(out, "cache_hit", 0, 0);
  out += ',';
  AppendDuration(out, "cache_miss", 0, 0);
  out += "},\"batch_stats\":[";
  bool first = true;
  for (const auto& [size, batch] : s.batch_stats) {
    if (!first) out += ',';
    first = false;
    out += "{\"batch_size\":";
    AppendJsonNumber(out, static_cast<int64_t>(size));
    out += ',';
    AppendDuration(out, "compute_input", batch.count, batch.compute_input_ns);
    out += ',';
    AppendDuration(out, "compute_infer", batch.count, batch.compute_infer_ns);
    out += ',';
    AppendDuration(out, "compute_output", batch.count, batch.compute_output_ns);
    out += '}';
  }
  out += "]}";
}

}  // namespace

std::string EncodeModelStats(const std::vector<ModelStats>& models) {
  std::string out = "{\"model_stats\":[";
  for (size_t i = 0; i < models.size(); ++i) {
    if (i > 0) out += ',';
    AppendModel(out, models[i]);
  }
  out += "]}";
  return out;
}

}  // namespace tensord::http

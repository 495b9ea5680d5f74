#include "tools/bench/report.h"

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace tensord::bench {
namespace {

std::string LoadText(const LoadPoint& p) {
  return p.mode == LoadMode::kConcurrency ? fmt::format("{}", static_cast<int64_t>(p.value))
                                          : fmt::format("{:g}", p.value);
}

uint64_t Us(double us) { return us <= 0 ? 0 : static_cast<uint64_t>(us); }

bool AllHaveServerStats(const std::vector<PointResult>& results) {
  if (results.empty()) return false;
  for (const PointResult& r : results) {
    if (!r.server) return false;
  }
  return true;
}

}  // namespace

std::string TableHeader(LoadMode mode) {
  return fmt::format(
      "{:>12} | {:>12} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>8} | {:>5} | "
      "{:>9} | {:>10} | {}\n",
      mode == LoadMode::kConcurrency ? "Concurrency" : "Rate (req/s)", "Inferences/s", "p50 µs",
      "p90 µs", "p95 µs", "p99 µs", "avg µs", "failures", "batch", "queue µs", "compute µs",
      "stable");
}

std::string TableRow(const PointResult& r) {
  const LatencyHistogram& h = r.latency;
  const std::string batch = r.server ? fmt::format("{:.1f}", r.server->avg_batch) : "-";
  const std::string queue = r.server ? fmt::format("{:.0f}", r.server->queue_us) : "-";
  const std::string compute = r.server ? fmt::format("{:.0f}", r.server->compute_us()) : "-";
  std::string stable = r.stable ? "yes" : "unstable";
  if (!r.note.empty() && !r.stable) stable += " (" + r.note + ")";
  return fmt::format(
      "{:>12} | {:>12.1f} | {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>9.0f} | "
      "{:>8} | {:>5} | {:>9} | {:>10} | {}\n",
      LoadText(r.point), r.inferences_per_sec, h.PercentileUs(50), h.PercentileUs(90),
      h.PercentileUs(95), h.PercentileUs(99), h.mean_ns() / 1000.0, r.failed, batch, queue, compute,
      stable);
}

std::string TableNotes(const std::vector<PointResult>& results) {
  std::string out;
  bool any_stats = false;
  for (const PointResult& r : results) any_stats = any_stats || r.server.has_value();
  if (!any_stats) {
    out +=
        "server statistics: not available (no GET /v2/models/{m}/stats); "
        "batch, queue and compute columns are empty\n";
  } else {
    out +=
        "server statistics: per request, averaged over the reported windows "
        "(queue = waiting for a batch/instance, compute = input + infer + output)\n";
  }
  for (const PointResult& r : results) {
    const std::string at = LoadText(r.point);
    if (r.failed_total > 0) {
      out += fmt::format(
          "{} {}: {} failed request(s) in the whole point ({} in the reported "
          "windows)\n",
          r.point.mode == LoadMode::kConcurrency ? "concurrency" : "rate", at, r.failed_total,
          r.failed);
      for (const auto& [message, n] : r.errors) out += fmt::format("    error: {}\n", message);
    }
    if (r.point.mode == LoadMode::kRate && r.completed > 0 &&
        double(r.late_sends) > 0.1 * double(r.completed + r.failed)) {
      out += fmt::format(
          "rate {}: {} of {} requests left more than 1 ms after their intended "
          "time: the client could not keep up (raise --max-threads); their wait "
          "is included in the latency\n",
          at, r.late_sends, r.completed + r.failed);
    }
    if (!r.stable) {
      out += fmt::format("{} {}: unstable after {} window(s){}\n",
                         r.point.mode == LoadMode::kConcurrency ? "concurrency" : "rate", at,
                         r.windows, r.note.empty() ? "" : ": " + r.note);
    }
  }
  return out;
}

std::string PerfAnalyzerCsv(const std::vector<PointResult>& results, const ReportInfo& info) {
  const bool server = AllHaveServerStats(results);
  std::string out = info.mode == LoadMode::kConcurrency ? "Concurrency," : "Request Rate,";
  out += "Inferences/Second,Client Send,";
  if (server) {
    out +=
        "Network+Server Send/Recv,Server Queue,Server Compute Input,Server Compute Infer,"
        "Server Compute Output,";
  }
  out += "Client Recv,p50 latency,p90 latency,p95 latency,p99 latency";
  if (info.verbose_csv) {
    out += ",";
    if (!info.percentile) out += "Avg latency,";
    out += "request/response,response wait";
  }
  out += "\n";
  std::vector<const PointResult*> sorted;
  for (const PointResult& r : results) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const PointResult* a, const PointResult* b) {
    return a->inferences_per_sec < b->inferences_per_sec;
  });
  for (const PointResult* r : sorted) {
    const double avg = r->latency.mean_ns() / 1000.0;
    out +=
        fmt::format("{},{:g},{},", LoadText(r->point), r->inferences_per_sec, Us(r->avg_send_us));
    if (server) {
      const ServerBreakdown& s = *r->server;
      // As perf_analyzer: what the client waited, minus what the server accounts for.
      const double network = avg - r->avg_send_us - r->avg_recv_us - s.queue_us - s.compute_us();
      out += fmt::format("{},{},{},{},{},", Us(network), Us(s.queue_us), Us(s.compute_input_us),
                         Us(s.compute_infer_us), Us(s.compute_output_us));
    }
    out += fmt::format("{}", Us(r->avg_recv_us));
    for (double p : {50.0, 90.0, 95.0, 99.0})
      out += fmt::format(",{}", r->latency.PercentileNs(p) / 1000);
    if (info.verbose_csv) {
      if (!info.percentile) out += fmt::format(",{}", Us(avg));
      out += fmt::format(",{},{}", Us(r->avg_send_us + r->avg_recv_us),
                         Us(avg - r->avg_send_us - r->avg_recv_us));
    }
    out += "\n";
  }
  return out;
}

std::string FullCsv(const std::vector<PointResult>& results, const ReportInfo& info) {
  std::string out =
      "mode,load,inferences_per_sec,requests_per_sec,completed,failed,failed_total,stable,"
      "windows,p50_us,p90_us,p95_us,p99_us,avg_us,min_us,max_us,client_send_us,client_recv_us,"
      "server_queue_us,server_compute_input_us,server_compute_infer_us,server_compute_output_us,"
      "server_avg_batch,late_sends\n";
  for (const PointResult& r : results) {
    const LatencyHistogram& h = r.latency;
    out += fmt::format(
        "{},{},{:.3f},{:.3f},{},{},{},{},{},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},"
        "{:.1f},{:.1f},{:.1f},{:.1f},",
        info.mode == LoadMode::kConcurrency ? "concurrency" : "rate", LoadText(r.point),
        r.inferences_per_sec, r.requests_per_sec, r.completed, r.failed, r.failed_total,
        r.stable ? 1 : 0, r.windows, h.PercentileUs(50), h.PercentileUs(90), h.PercentileUs(95),
        h.PercentileUs(99), h.mean_ns() / 1000.0, h.min_ns() / 1000.0, h.max_ns() / 1000.0,
        r.avg_send_us, r.avg_recv_us);
    if (r.server) {
      out += fmt::format("{:.1f},{:.1f},{:.1f},{:.1f},{:.2f},", r.server->queue_us,
                         r.server->compute_input_us, r.server->compute_infer_us,
                         r.server->compute_output_us, r.server->avg_batch);
    } else {
      out += ",,,,,";
    }
    out += fmt::format("{}\n", r.late_sends);
  }
  return out;
}

std::string JsonReport(const std::vector<PointResult>& results, const ReportInfo& info) {
  nlohmann::json doc;
  doc["model"] = info.model;
  doc["backend"] = info.backend;
  doc["batch_size"] = info.batch;
  doc["mode"] = info.mode == LoadMode::kConcurrency ? "concurrency" : "request_rate";
  doc["stability_latency"] =
      info.percentile ? fmt::format("p{:g}", *info.percentile) : std::string("average");
  doc["histogram"] = "log-linear (HdrHistogram-style), 1 ns to 60 s, relative error < 0.4%";
  doc["points"] = nlohmann::json::array();
  for (const PointResult& r : results) {
    const LatencyHistogram& h = r.latency;
    nlohmann::json p = {
        {"load", r.point.value},
        {"inferences_per_sec", r.inferences_per_sec},
        {"requests_per_sec", r.requests_per_sec},
        {"completed", r.completed},
        {"failed", r.failed},
        {"failed_total", r.failed_total},
        {"completed_total", r.completed_total},
        {"stable", r.stable},
        {"windows", r.windows},
        {"reported_windows", r.reported_windows},
        {"duration_s", r.duration_s},
        {"latency_us",
         {{"p50", h.PercentileUs(50)},
          {"p90", h.PercentileUs(90)},
          {"p95", h.PercentileUs(95)},
          {"p99", h.PercentileUs(99)},
          {"avg", h.mean_ns() / 1000.0},
          {"min", h.min_ns() / 1000.0},
          {"max", h.max_ns() / 1000.0}}},
        {"client_send_us", r.avg_send_us},
        {"client_recv_us", r.avg_recv_us},
        {"late_sends", r.late_sends},
        {"errors", r.errors},
    };
    if (r.server) {
      p["server"] = {{"requests", r.server->requests},
                     {"queue_us", r.server->queue_us},
                     {"compute_input_us", r.server->compute_input_us},
                     {"compute_infer_us", r.server->compute_infer_us},
                     {"compute_output_us", r.server->compute_output_us},
                     {"avg_batch", r.server->avg_batch}};
    } else {
      p["server"] = nullptr;
    }
    if (!r.note.empty()) p["note"] = r.note;
    doc["points"].push_back(std::move(p));
  }
  return doc.dump(2) + "\n";
}

absl::Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::PermissionDeniedError(fmt::format("cannot write '{}'", path));
  return absl::OkStatus();
}

}  // namespace tensord::bench

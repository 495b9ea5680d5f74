// Turns measured load points into the terminal table, perf_analyzer's -f CSV, a full CSV
// and JSON.
//
//   std::cout << TableHeader(LoadMode::kConcurrency);
//   for (const PointResult& r : results) std::cout << TableRow(r);
//   WriteFile("perf.csv", PerfAnalyzerCsv(results, {.mode = LoadMode::kConcurrency}));
//
// perf_analyzer's -f format (its report_writer.cc): "Concurrency" (or "Request Rate"),
// "Inferences/Second", "Client Send", then — only when the server reports statistics —
// "Network+Server Send/Recv", "Server Queue", "Server Compute Input", "Server Compute Infer",
// "Server Compute Output", then "Client Recv", "p50 latency", "p90 latency", "p95 latency",
// "p99 latency"; --verbose-csv adds "Avg latency" (when no --percentile was given),
// "request/response" and "response wait". Times are whole µs; rows are sorted by increasing
// Inferences/Second, as perf_analyzer sorts them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/load_runner.h"

namespace tensord::bench {

struct ReportInfo {
  LoadMode mode = LoadMode::kConcurrency;
  std::string model;
  std::string backend;  // Backend::Describe()
  int64_t batch = 1;
  std::optional<double> percentile;
  bool verbose_csv = false;
};

std::string TableHeader(LoadMode mode);
std::string TableRow(const PointResult& r);
// The lines under the table: server statistics availability, errors, unstable points.
std::string TableNotes(const std::vector<PointResult>& results);

std::string PerfAnalyzerCsv(const std::vector<PointResult>& results, const ReportInfo& info);
std::string FullCsv(const std::vector<PointResult>& results, const ReportInfo& info);
std::string JsonReport(const std::vector<PointResult>& results, const ReportInfo& info);

absl::Status WriteFile(const std::string& path, const std::string& contents);

}  // namespace tensord::bench

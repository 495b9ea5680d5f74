#include "tools/bench/report.h"

#include "gtest/gtest.h"
#include "tools/bench/plot.h"

namespace tensord::bench {
namespace {

PointResult Point(double load, double throughput, uint64_t latency_us, bool server) {
  PointResult r;
  r.point = {LoadMode::kConcurrency, load};
  r.inferences_per_sec = throughput;
  r.stable = true;
  r.completed = 100;
  for (int i = 0; i < 100; ++i) r.latency.RecordNs(latency_us * 1000);
  r.avg_send_us = 10;
  r.avg_recv_us = 5;
  if (server) {
    r.server = ServerBreakdown{.requests = 100,
                               .queue_us = 20,
                               .compute_input_us = 1,
                               .compute_infer_us = 50,
                               .compute_output_us = 2,
                               .avg_batch = 1.5};
  }
  return r;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(ReportTest, PerfAnalyzerHeaderWithServerStatistics) {
  const std::string csv = PerfAnalyzerCsv({Point(1, 100, 1000, true)}, {});
  EXPECT_EQ(FirstLine(csv),
            "Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,"
            "Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,"
            "p50 latency,p90 latency,p95 latency,p99 latency");
  // 1000 µs - 10 send - 5 recv - 20 queue - 53 compute = 912 µs of network + server overhead.
  EXPECT_NE(csv.find("\n1,100,10,912,20,1,50,2,5,1000,1000,1000,1000\n"), std::string::npos) << csv;
}

TEST(ReportTest, PerfAnalyzerHeaderWithoutServerStatisticsOmitsServerColumns) {
  const std::string csv = PerfAnalyzerCsv({Point(1, 100, 1000, false)}, {});
  EXPECT_EQ(FirstLine(csv),
            "Concurrency,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,"
            "p95 latency,p99 latency");
}

TEST(ReportTest, PerfAnalyzerVerboseAndRateHeaders) {
  ReportInfo info{.mode = LoadMode::kRate, .verbose_csv = true};
  EXPECT_EQ(FirstLine(PerfAnalyzerCsv({Point(1, 100, 1000, false)}, info)),
            "Request Rate,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,"
            "p95 latency,p99 latency,Avg latency,request/response,response wait");
  info.percentile = 99;  // perf_analyzer drops "Avg latency" when a percentile is chosen
  EXPECT_EQ(FirstLine(PerfAnalyzerCsv({Point(1, 100, 1000, false)}, info)),
            "Request Rate,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,"
            "p95 latency,p99 latency,request/response,response wait");
}

TEST(ReportTest, PerfAnalyzerRowsSortedByThroughput) {
  const std::string csv = PerfAnalyzerCsv(
      {Point(1, 300, 1000, false), Point(2, 100, 1000, false), Point(4, 200, 1000, false)}, {});
  const size_t a = csv.find("\n2,100,"), b = csv.find("\n4,200,"), c = csv.find("\n1,300,");
  ASSERT_NE(a, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST(ReportTest, MixedServerStatisticsOmitServerColumns) {
  const std::string csv = PerfAnalyzerCsv({Point(1, 1, 1, true), Point(2, 1, 1, false)}, {});
  EXPECT_EQ(FirstLine(csv).find("Server Queue"), std::string::npos);
}

TEST(ReportTest, TableShowsFailuresAndMissingStatistics) {
  PointResult r = Point(2, 123.4, 500, false);
  r.failed = 3;
  r.failed_total = 4;
  r.errors["HTTP 400: bad input"] = 3;
  const std::string row = TableRow(r);
  EXPECT_NE(row.find("123.4"), std::string::npos);
  EXPECT_NE(row.find("        3 |"), std::string::npos) << row;
  const std::string notes = TableNotes({r});
  EXPECT_NE(notes.find("server statistics: not available"), std::string::npos);
  EXPECT_NE(notes.find("4 failed request(s)"), std::string::npos);
  EXPECT_NE(notes.find("error: HTTP 400: bad input"), std::string::npos);
}

TEST(ReportTest, UnstablePointIsSaidSo) {
  PointResult r = Point(1, 10, 10, false);
  r.stable = false;
  r.windows = 10;
  EXPECT_NE(TableRow(r).find("unstable"), std::string::npos);
  EXPECT_NE(TableNotes({r}).find("unstable after 10 window(s)"), std::string::npos);
}

TEST(ReportTest, FullCsvAndJsonCarryEveryPoint) {
  const std::vector<PointResult> points = {Point(1, 100, 1000, true), Point(2, 150, 1500, false)};
  const std::string csv = FullCsv(points, {});
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  const std::string json = JsonReport(points, {.model = "m"});
  EXPECT_NE(json.find("\"inferences_per_sec\": 150.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"server\": null"), std::string::npos);
}

TEST(PlotTest, ScriptPicksTerminalFromExtension) {
  EXPECT_NE(GnuplotScript({}, "r.dat", "r.svg").find("set terminal svg"), std::string::npos);
  EXPECT_NE(GnuplotScript({}, "r.dat", "r.png").find("set terminal pngcairo"), std::string::npos);
  EXPECT_NE(GnuplotScript({}, "it's.dat", "r.png").find("'it''s.dat'"), std::string::npos);
}

}  // namespace
}  // namespace tensord::bench

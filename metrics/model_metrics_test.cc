#include "metrics/model_metrics.h"

#include <algorithm>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace tensord::metrics {
namespace {

using ::testing::HasSubstr;

std::string Text(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

ModelStats Example() {
  ModelStats model{.name = "mlp", .version = "2"};
  InferenceStats& s = model.stats;
  s.success_count = 7;
  s.failure_count = 3;  // one runtime failure, two rejected
  s.rejected_count = 2;
  s.inference_count = 12;
  s.execution_count = 5;
  s.pending_requests = 4;
  s.busy_instances = 1;
  s.instance_count = 2;
  s.batch_stats[1].count = 3;
  s.batch_stats[3].count = 2;
  s.queue_histogram.Observe(50'000);     // 50 us
  s.queue_histogram.Observe(3'000'000);  // 3 ms
  s.compute_histogram.Observe(20'000'000);
  return model;
}

TEST(ModelMetrics, FamiliesMatchTheCounters) {
  const std::string text = Text(ModelFamilies({Example()}));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_inference_requests_total{model=\"mlp\",version=\"2\",outcome=\"success\"} 7"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_inference_requests_total{model=\"mlp\",version=\"2\",outcome=\"failure\"} 1"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_inference_requests_total{model=\"mlp\",version=\"2\",outcome=\"rejected\"} 2"));
  EXPECT_THAT(text, HasSubstr("tensord_inferences_total{model=\"mlp\",version=\"2\"} 12"));
  EXPECT_THAT(text, HasSubstr("tensord_executions_total{model=\"mlp\",version=\"2\"} 5"));
  EXPECT_THAT(text, HasSubstr("tensord_pending_requests{model=\"mlp\",version=\"2\"} 4"));
  EXPECT_THAT(text, HasSubstr("tensord_instances_busy{model=\"mlp\",version=\"2\"} 1"));
  EXPECT_THAT(text, HasSubstr("tensord_instances{model=\"mlp\",version=\"2\"} 2"));
  EXPECT_THAT(text, HasSubstr("# TYPE tensord_queue_duration_seconds histogram"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_queue_duration_seconds_bucket{model=\"mlp\",version=\"2\",le=\"0.0001\"} 1"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_queue_duration_seconds_bucket{model=\"mlp\",version=\"2\",le=\"0.005\"} 2"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_queue_duration_seconds_bucket{model=\"mlp\",version=\"2\",le=\"+Inf\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("tensord_queue_duration_seconds_count{model=\"mlp\",version=\"2\"} 2"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_compute_duration_seconds_bucket{model=\"mlp\",version=\"2\",le=\"0.01\"} 0"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tensord_compute_duration_seconds_bucket{model=\"mlp\",version=\"2\",le=\"0.025\"} 1"));
  EXPECT_THAT(text, HasSubstr("tensord_batch_size_bucket{model=\"mlp\",version=\"2\",le=\"1\"} 3"));
  EXPECT_THAT(text, HasSubstr("tensord_batch_size_bucket{model=\"mlp\",version=\"2\",le=\"2\"} 3"));
  EXPECT_THAT(text, HasSubstr("tensord_batch_size_bucket{model=\"mlp\",version=\"2\",le=\"4\"} 5"));
  EXPECT_THAT(text, HasSubstr("tensord_batch_size_sum{model=\"mlp\",version=\"2\"} 9"));
}

TEST(ModelMetrics, NoModelsStillDeclaresTheFamilies) { EXPECT_EQ(ModelFamilies({}).size(), 9u); }

TEST(ModelMetrics, ProcessFamiliesFromProc) {
  std::vector<prometheus::MetricFamily> families = ProcessFamilies();
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "process_cpu_seconds_total");
  EXPECT_GE(families[0].metric[0].counter.value, 0.0);
  EXPECT_EQ(families[1].name, "process_resident_memory_bytes");
  EXPECT_GT(families[1].metric[0].gauge.value, 1e6);
  EXPECT_GT(families[2].metric[0].gauge.value, 1.6e9);  // after 2020
}

TEST(ModelMetrics, CollectorReadsItsSourceAtEachScrape) {
  int calls = 0;
  ModelMetricsCollector collector([&calls] {
    ++calls;
    return std::vector<ModelStats>{Example()};
  });
  EXPECT_THAT(Text(collector.Collect()), HasSubstr("process_cpu_seconds_total"));
  collector.Collect();
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace tensord::metrics

#include "frontend/http/console/console_state.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::HasSubstr;

TEST(ConsoleState, EncodesUsageAndEveryModelsCounters) {
  ModelStats mlp{.name = "mlp", .version = "1"};
  InferenceStats& s = mlp.stats;
  s.success_count = 10;
  s.failure_count = 3;
  s.rejected_count = 2;
  s.queue_ns = 500;
  s.compute_input_ns = 1;
  s.compute_infer_ns = 20;
  s.compute_output_ns = 300;
  s.pending_requests = 4;
  s.busy_instances = 1;
  s.instance_count = 2;
  s.batch_stats[1].count = 6;
  s.batch_stats[4].count = 1;
  s.queue_histogram.Observe(150'000);           // the second bucket
  s.compute_histogram.Observe(20'000'000'000);  // above every bound: the last
  const std::string json = EncodeConsoleState({.server = {.name = "tensord", .version = "0.1.0"},
                                               .usage = {.uptime_seconds = 12.5,
                                                         .cpu_seconds = 0.25,
                                                         .rss_bytes = 1048576,
                                                         .usable_cores = 2},
                                               .model_control_mode = "explicit",
                                               .models = {mlp}});
  EXPECT_THAT(json, HasSubstr(R"({"server":{"name":"tensord","version":"0.1.0",)"
                              R"("model_control_mode":"explicit","uptime_s":12.5,"cpu_s":0.25,)"
                              R"("rss_bytes":1048576,"usable_cores":2},)"
                              R"("duration_buckets_ns":[100000,250000,)"));
  EXPECT_THAT(json, HasSubstr(R"({"name":"mlp","version":"1","success":10,"failure":3,)"
                              R"("rejected":2,"timeout":0,"cancelled":0,"inferences":0,)"
                              R"("executions":0,"queue_ns":500,"compute_ns":321,"pending":4,)"
                              R"("busy":1,"instances":2,"last_inference_ms":0,)"
                              R"("queue_histogram":[0,1,0,)"));
  EXPECT_THAT(json, HasSubstr(R"(,0,1],"batch_sizes":[[1,6],[4,1]]}]})"));
}

TEST(ConsoleState, NoModelsIsAnEmptyList) {
  EXPECT_THAT(EncodeConsoleState({.model_control_mode = "none"}), HasSubstr(R"("models":[]})"));
}

}  // namespace
}  // namespace tensord::http

// ApplyConfigOverride: what a load request may change, and the limits that keep a request
// from writing files, crashing the server or exhausting it (issue 10).
#include "repository/config_override.h"

#include <string>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

ModelConfig Base() {
  ModelConfig base;
  base.name = "mlp";
  base.source = "models/mlp/config.pbtxt";
  base.max_batch_size = 8;
  base.instance_count = 1;
  base.parameters["optimized_model_path"] = "opt.onnx";  // from the file: stays
  return base;
}

absl::Status Override(std::string_view json, int max_instances = 8) {
  return ApplyConfigOverride(Base(), json, "mlp", {.max_instances = max_instances}).status();
}

void ExpectInvalid(std::string_view json, std::string_view message, int max_instances = 8) {
  const absl::Status status = Override(json, max_instances);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
  EXPECT_EQ(Message(status), message) << json;
}

TEST(ApplyConfigOverride, ChangesWhatItGivesAndKeepsTheRest) {
  absl::StatusOr<ModelConfig> config = ApplyConfigOverride(
      Base(), R"({"instance_group": [{"count": 2}], "parameters": {"execution_mode":
      {"string_value": "parallel"}}})",
      "mlp", {.max_instances = 8});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->instance_count, 2);
  EXPECT_EQ(config->parameters.at("execution_mode"), "parallel");
  EXPECT_EQ(config->parameters.at("optimized_model_path"), "opt.onnx");
  EXPECT_EQ(config->max_batch_size, 8);
}

TEST(ApplyConfigOverride, AcceptsFixedFieldsThatSayWhatTheModelHas) {
  // A whole configuration, as Triton's clients send it: the planned platform under either of
  // its names, the same version policy, the same model file name.
  ConfigOverrideOptions options{
      .max_instances = 8,
      .planned_platforms = {"onnxruntime_onnx"},
      .canonical = [](std::string_view name) -> std::string {
        return name == "onnxruntime" || name == "onnxruntime_onnx" ? "onnxruntime_onnx" : "";
      }};
  absl::StatusOr<ModelConfig> config = ApplyConfigOverride(
      Base(),
      R"({"name": "mlp", "platform": "onnxruntime_onnx", "backend": "onnxruntime",
          "version_policy": {"all": {}}, "default_model_filename": "", "max_batch_size": 4})",
      "mlp", options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->max_batch_size, 4);

  absl::Status other =
      ApplyConfigOverride(Base(), R"({"platform": "xgboost"})", "mlp", options).status();
  EXPECT_EQ(Message(other),
            "config override: field 'platform' (\"xgboost\") differs from what the model has "
            "and cannot be changed at load time; change the model's config file");
  absl::Status policy =
      ApplyConfigOverride(Base(), R"({"version_policy": {"latest": {"num_versions": 1}}})", "mlp",
                          options)
          .status();
  EXPECT_THAT(Message(policy), HasSubstr("field 'version_policy'"));
}

TEST(ApplyConfigOverride, RefusesParametersThatNameServerFiles) {
  const std::string message =
      "config override: parameter 'optimized_model_path' names a file on the server and cannot "
      "be set by a load request; set it in the model's config file";
  for (std::string_view path : {"/tmp/x/x.onnx", "../other/1/model.onnx", "opt.onnx"}) {
    ExpectInvalid(fmt::format(R"({{"parameters": {{"optimized_model_path": {{"string_value":
                              "{}"}}}}}})",
                              path),
                  message);
  }
  // However the key is spelled in JSON, it is the parsed key that counts.
  ExpectInvalid(R"({"parameters": {"optimized\u005fmodel_path": {"string_value": "/x"}}})",
                message);
}

TEST(ApplyConfigOverride, RefusesJsonNestedDeeperThanTheLimit) {
  std::string deep = R"({"parameters": {"x": {"string_value": "y"}}, "z": )";
  for (int i = 0; i < 100'000; ++i) deep += "[";
  for (int i = 0; i < 100'000; ++i) deep += "]";
  deep += "}";
  ExpectInvalid(deep, "config override: JSON nested deeper than 64 levels");
  // Brackets inside a string are text, not nesting.
  const std::string brackets(100'000, '[');
  EXPECT_TRUE(Override(R"({"parameters": {"x": {"string_value": ")" + brackets + "\"}}}").ok());
}

TEST(ApplyConfigOverride, RefusesMoreInstancesThanTheLimit) {
  ExpectInvalid(R"({"instance_group": [{"count": 3000}]})",
                "config override: instance_group count asks for 3000 instances; the limit is 8 "
                "per model (--max-instances-per-model)");
  ExpectInvalid(R"({"instance_group": [{"count": 5}, {"count": 4}]})",
                "config override: instance_group count asks for 9 instances; the limit is 8 per "
                "model (--max-instances-per-model)");
  // Two groups of INT_MAX once added up to 1 instance.
  ExpectInvalid(R"({"instance_group": [{"count": 2147483647}, {"count": 2147483647}]})",
                "config override: instance_group counts add up to 4294967294, more instances "
                "than a model can run (at most 2147483647)");
  ExpectInvalid(R"({"parallel_workers": 100000})",
                "config override: parallel_workers asks for 100000 instances; the limit is 8 per "
                "model (--max-instances-per-model)");
  ExpectInvalid(R"({"parallel_workers": 18446744073709551615})",
                "config override: parallel_workers asks for 18446744073709551615 instances; the "
                "limit is 8 per model (--max-instances-per-model)");
  ExpectInvalid(R"({"parallel_workers": 1e300})",
                "config override: parallel_workers must be a whole number, got 1e+300");
  ExpectInvalid(R"({"parallel_workers": 2.5})",
                "config override: parallel_workers must be a whole number, got 2.5");
  EXPECT_TRUE(Override(R"({"parallel_workers": 8})").ok());
  EXPECT_TRUE(Override(R"({"instance_group": [{"count": 4}, {"count": 4}]})").ok());
}

TEST(ApplyConfigOverride, RefusesBatchingDelaysPastTheLimit) {
  for (std::string_view seconds : {"1e300", "1e12", "60.5"}) {
    const absl::Status status = Override(fmt::format(R"({{"max_batch_time": {}}})", seconds));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << seconds;
    EXPECT_THAT(Message(status), HasSubstr("config override: max_batch_time is "));
    EXPECT_THAT(Message(status),
                HasSubstr("; a batching delay must be a number from 0 to 60 s (60000000 us)"));
  }
  ExpectInvalid(R"({"max_batch_time": 1e300})",
                "config override: max_batch_time is 1e+300; a batching delay must be a number "
                "from 0 to 60 s (60000000 us)");
  ExpectInvalid(
      R"({"dynamic_batching": {"max_queue_delay_microseconds": 18446744073709551615}})",
      "config override: dynamic_batching: max_queue_delay_microseconds is "
      "18446744073709551615; a batching delay must be a number from 0 to 60 s (60000000 us)");
  ExpectInvalid(R"({"dynamic_batching": {"max_queue_delay_microseconds": 60000001}})",
                "config override: dynamic_batching: max_queue_delay_microseconds is 60000001; a "
                "batching delay must be a number from 0 to 60 s (60000000 us)");
  absl::StatusOr<ModelConfig> sixty =
      ApplyConfigOverride(Base(), R"({"max_batch_time": 60})", "mlp", {});
  ASSERT_TRUE(sixty.ok()) << sixty.status();
  EXPECT_EQ(sixty->batching->max_queue_delay, std::chrono::seconds(60));
}

TEST(ApplyConfigOverride, AHugeDefaultTimeoutSaturatesInsteadOfWrapping) {
  for (std::string_view us : {"9223372036854775807", "18446744073709551615"}) {
    absl::StatusOr<ModelConfig> config =
        ApplyConfigOverride(Base(),
                            fmt::format(R"({{"dynamic_batching": {{"default_queue_policy":
                    {{"default_timeout_microseconds": {}}}}}}})",
                                        us),
                            "mlp", {});
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->batching->default_timeout, std::chrono::microseconds::max()) << us;
  }
}

}  // namespace
}  // namespace tensord

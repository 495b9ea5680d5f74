#include "repository/config_pbtxt.h"

#include <sstream>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace tensord {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kSource = "models/m/config.pbtxt";

ModelConfig Parse(std::string_view text) {
  absl::StatusOr<ModelConfig> config = ParseTritonConfig(text, kSource);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : ModelConfig{};
}

void ExpectError(std::string_view text, absl::StatusCode code, std::string_view message) {
  absl::StatusOr<ModelConfig> config = ParseTritonConfig(text, kSource);
  ASSERT_FALSE(config.ok()) << text;
  EXPECT_EQ(config.status().code(), code);
  EXPECT_EQ(Message(config.status()), message);
}

TEST(ParseTritonConfig, MapsTheFieldsTensordUses) {
  ModelConfig config = Parse(R"pb(
    name: "mlp"
    platform: "onnxruntime_onnx"
    max_batch_size: 32
    default_model_filename: "net.onnx" input
    [ {
      name: "x"
      data_type: TYPE_FP32
      dims: [ 16 ]
    }
      , {
        name: "mask"
        data_type: TYPE_BOOL
        dims: [ -1, 2 ]
        optional: true
      }]
    output {
      name: "probs"
      data_type: TYPE_FP32
      dims: [ 10 ]
    } instance_group
    [ { count: 2 kind: KIND_CPU }
      , { kind: KIND_AUTO }]
    dynamic_batching {
      preferred_batch_size: [ 8, 16 ]
      max_queue_delay_microseconds: 500
      preserve_ordering: true
      default_queue_policy { max_queue_size: 64 default_timeout_microseconds: 2000 }
    }
    parameters {
      key: "intra_op_thread_count"
      value: { string_value: "2" }
    }
    version_policy: { latest: { num_versions: 2 } }
  )pb");
  EXPECT_EQ(config.name, "mlp");
  EXPECT_EQ(config.platform, "onnxruntime_onnx");
  EXPECT_EQ(config.source, kSource);
  EXPECT_EQ(config.max_batch_size, 32);
  EXPECT_EQ(config.model_file, "net.onnx");
  ASSERT_EQ(config.inputs.size(), 2u);
  EXPECT_EQ(config.inputs[0].name, "x");
  EXPECT_EQ(config.inputs[0].datatype, DataType::kFp32);
  EXPECT_EQ(config.inputs[0].dims, Shape({16}));
  EXPECT_FALSE(config.inputs[0].optional);
  EXPECT_EQ(config.inputs[1].datatype, DataType::kBool);
  EXPECT_EQ(config.inputs[1].dims, Shape({-1, 2}));
  EXPECT_TRUE(config.inputs[1].optional);
  ASSERT_EQ(config.outputs.size(), 1u);
  EXPECT_EQ(config.outputs[0].name, "probs");
  EXPECT_EQ(config.instance_count, 3);  // 2 + a group without count (1)
  ASSERT_TRUE(config.batching.has_value());
  EXPECT_EQ(config.batching->preferred_batch_sizes, std::vector<int64_t>({8, 16}));
  EXPECT_EQ(config.batching->max_queue_delay, std::chrono::microseconds(500));
  EXPECT_TRUE(config.batching->preserve_ordering);
  EXPECT_EQ(config.batching->max_queue_size, 64);
  EXPECT_EQ(config.batching->default_timeout, std::chrono::microseconds(2000));
  EXPECT_EQ(config.parameters.at("intra_op_thread_count"), "2");
  EXPECT_EQ(config.version_policy.kind, VersionPolicy::Kind::kLatest);
  EXPECT_EQ(config.version_policy.num_versions, 2);
}

TEST(ParseTritonConfig, EmptyConfigLeavesEverythingToTheModelFile) {
  ModelConfig config = Parse("");
  EXPECT_EQ(config.name, "");
  EXPECT_EQ(config.platform, "");
  EXPECT_EQ(config.max_batch_size, 0);
  EXPECT_TRUE(config.inputs.empty());
  EXPECT_EQ(config.instance_count, 0);
  EXPECT_FALSE(config.batching.has_value());
  EXPECT_EQ(config.version_policy.kind, VersionPolicy::Kind::kAll);
}

TEST(ParseTritonConfig, BackendIsUsedWhenPlatformIsEmpty) {
  EXPECT_EQ(Parse(R"pb(backend: "onnxruntime")pb").platform, "onnxruntime");
  EXPECT_EQ(Parse(R"pb(platform: "onnxruntime_onnx" backend: "onnxruntime")pb").platform,
            "onnxruntime_onnx");
}

TEST(ParseTritonConfig, DataTypeAndDimsMayBeLeftForTheRuntime) {
  ModelConfig config = Parse(R"pb(input { name: "x" })pb");
  ASSERT_EQ(config.inputs.size(), 1u);
  EXPECT_EQ(config.inputs[0].datatype, DataType::kInvalid);
  EXPECT_TRUE(config.inputs[0].dims.empty());
}

TEST(ParseTritonConfig, EveryDataType) {
  const std::pair<std::string_view, DataType> cases[] = {
      {"TYPE_BOOL", DataType::kBool},     {"TYPE_UINT8", DataType::kUint8},
      {"TYPE_UINT16", DataType::kUint16}, {"TYPE_UINT32", DataType::kUint32},
      {"TYPE_UINT64", DataType::kUint64}, {"TYPE_INT8", DataType::kInt8},
      {"TYPE_INT16", DataType::kInt16},   {"TYPE_INT32", DataType::kInt32},
      {"TYPE_INT64", DataType::kInt64},   {"TYPE_FP16", DataType::kFp16},
      {"TYPE_FP32", DataType::kFp32},     {"TYPE_FP64", DataType::kFp64},
      {"TYPE_STRING", DataType::kBytes},  {"TYPE_BF16", DataType::kBf16},
  };
  for (const auto& [name, type] : cases) {
    ModelConfig config = Parse(fmt::format("output {{ name: \"y\" data_type: {} dims: 1 }}", name));
    ASSERT_EQ(config.outputs.size(), 1u) << name;
    EXPECT_EQ(config.outputs[0].datatype, type) << name;
  }
}

TEST(ParseTritonConfig, GpuGroupsRunOnTheCpu) {
  ModelConfig config = Parse(R"pb(
    instance_group
    [ {
      count: 2
      kind: KIND_GPU
      gpus: [ 0, 1 ]
    }
      , { count: 4 kind: KIND_CPU passive: true }]
  )pb");
  EXPECT_EQ(config.instance_count, 2);  // per group, not per GPU; passive groups skipped
}

TEST(ParseTritonConfig, VersionPolicies) {
  EXPECT_EQ(Parse("version_policy { all {} }").version_policy.kind, VersionPolicy::Kind::kAll);
  VersionPolicy latest = Parse("version_policy { latest {} }").version_policy;
  EXPECT_EQ(latest.kind, VersionPolicy::Kind::kLatest);
  EXPECT_EQ(latest.num_versions, 1);  // Triton's default
  VersionPolicy specific =
      Parse("version_policy { specific { versions: [ 3, 10 ] } }").version_policy;
  EXPECT_EQ(specific.kind, VersionPolicy::Kind::kSpecific);
  EXPECT_EQ(specific.specific, std::vector<std::string>({"3", "10"}));
}

TEST(ParseTritonConfig, DynamicBatchingWithDefaultsIsStillOn) {
  ModelConfig config = Parse("max_batch_size: 8 dynamic_batching {}");
  ASSERT_TRUE(config.batching.has_value());
  EXPECT_EQ(config.batching->max_queue_delay, std::chrono::microseconds(0));
  EXPECT_TRUE(config.batching->preferred_batch_sizes.empty());
}

// A config as found in real Triton repositories, full of fields tensord does not model.
TEST(ParseTritonConfig, RealWorldConfigWithUnmodelledFieldsLoads) {
  ModelConfig config = Parse(R"pb(
    name: "densenet_onnx"
    platform: "onnxruntime_onnx"
    max_batch_size: 0 input
    [ {
      name: "data_0"
      data_type: TYPE_FP32
      format: FORMAT_NCHW
      dims: [ 3, 224, 224 ]
      reshape { shape: [ 1, 3, 224, 224 ] }
    }] output
    [ {
      name: "fc6_1"
      data_type: TYPE_FP32
      dims: [ 1000 ]
      reshape { shape: [ 1, 1000, 1, 1 ] }
      label_filename: "densenet_labels.txt"
    }] instance_group
    [ {
      count: 1
      kind: KIND_GPU
      gpus: [ 0 ]
      rate_limiter {
        resources
        [ { name: "R1" count: 4 }]
        priority: 2
      }
    }]
    optimization {
      graph { level: 1 }
      execution_accelerators {
        gpu_execution_accelerator:
        [ {
          name: "tensorrt"
          parameters { key: "precision_mode" value: "FP16" }
        }]
      }
      cuda { graphs: true }
      input_pinned_memory { enable: false }
    } model_warmup
    [ {
      name: "zeros"
      batch_size: 1
      inputs {
        key: "data_0"
        value: {
          data_type: TYPE_FP32
          dims: [ 3, 224, 224 ]
          zero_data: true
        }
      }
    }]
    response_cache { enable: true }
    model_repository_agents { agents
                              [ { name: "checksum" }] }
    cc_model_filenames { key: "7.5" value: "model_t4.onnx" }
    model_metrics { metric_control
                    [ { metric_identifier { family: "nv_inference" } }] }
    some_future_field: 42
    some_future_list: [ 1, 2 ]
    some_future_message {
      nested: "x"
      deeper { value: 1.5 }
    }
    some_future_message_list:
    [ { a: 1 }
      , { a: 2 }]
  )pb");
  EXPECT_EQ(config.name, "densenet_onnx");
  ASSERT_EQ(config.inputs.size(), 1u);
  EXPECT_EQ(config.inputs[0].dims, Shape({3, 224, 224}));  // dims served, reshape not applied
  EXPECT_EQ(config.outputs[0].dims, Shape({1000}));
  EXPECT_EQ(config.instance_count, 1);
}

TEST(ParseTritonConfig, UnknownFieldsAreLoggedAtDebugLevel) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  Parse("name: \"m\"\nfuture_field: 1\n");
  spdlog::set_default_logger(previous);
  EXPECT_THAT(log.str(), HasSubstr("models/m/config.pbtxt:2:"));
  EXPECT_THAT(log.str(), HasSubstr("future_field"));
}

TEST(ParseTritonConfig, SyntaxErrorNamesFileLineAndColumn) {
  ExpectError("name: \"m\"\nmax_batch_size: 8\ninput { name: \"x\" dims: [ 1 }\n",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt:3:29: Expected \",\", found \"}\". "
              "(in `input { name: \"x\" dims: [ 1 }`)");
}

TEST(ParseTritonConfig, UnknownDataTypeNamesFileLineAndField) {
  absl::StatusOr<ModelConfig> config =
      ParseTritonConfig("name: \"m\"\ninput { name: \"x\" data_type: TYPE_FOO }\n", kSource);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(config.status()), HasSubstr("models/m/config.pbtxt:2:"));
  EXPECT_THAT(Message(config.status()), HasSubstr("TYPE_FOO"));
  EXPECT_THAT(Message(config.status()), HasSubstr("data_type"));
}

TEST(ParseTritonConfig, WrongValueTypeForAKnownField) {
  ExpectError("max_batch_size: \"eight\"", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt:1:17: Expected integer, got: \"eight\" "
              "(in `max_batch_size: \"eight\"`)");
}

TEST(ParseTritonConfig, NegativeMaxBatchSize) {
  ExpectError("max_batch_size: -1", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: max_batch_size must be >= 0, got -1");
}

TEST(ParseTritonConfig, TensorWithoutName) {
  ExpectError(R"pb(input
                   [ { name: "a" }
                     , { data_type: TYPE_FP32 }])pb",
              absl::StatusCode::kInvalidArgument, "models/m/config.pbtxt: input 2 has no name");
  ExpectError(R"pb(output { dims: 1 })pb", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: output 1 has no name");
}

TEST(ParseTritonConfig, DuplicateTensorNames) {
  ExpectError(R"pb(input
                   [ { name: "a" }
                     , { name: "a" }])pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: input 'a' is declared twice");
  ExpectError(R"pb(output
                   [ { name: "y" }
                     , { name: "y" }])pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: output 'y' is declared twice");
}

TEST(ParseTritonConfig, NegativeDimsOtherThanMinusOne) {
  ExpectError(R"pb(input {
                     name: "x"
                     dims: [ 4, -2 ]
                   })pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: input 'x': dims[1] is -2; a dimension is -1 (any size) or "
              ">= 0");
}

TEST(ParseTritonConfig, NegativeInstanceCount) {
  ExpectError("instance_group { count: -1 }", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: instance_group 1: count must be >= 0, got -1");
}

TEST(ParseTritonConfig, PreferredBatchSizes) {
  ExpectError("max_batch_size: 8 dynamic_batching { preferred_batch_size: [ 4, 16 ] }",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: dynamic_batching: preferred_batch_size 16 exceeds "
              "max_batch_size 8");
  ExpectError("max_batch_size: 8 dynamic_batching { preferred_batch_size: 0 }",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: dynamic_batching: preferred_batch_size 0 must be > 0");
}

TEST(ParseTritonConfig, BadVersionPolicies) {
  ExpectError("version_policy { specific {} }", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: version_policy: specific lists no versions");
  ExpectError("version_policy { specific { versions: 0 } }", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: version_policy: specific version 0 is not valid; versions "
              "are numbers > 0");
}

TEST(ParseTritonConfig, EnsembleSteps) {
  absl::StatusOr<ModelConfig> config = ParseTritonConfig(
      R"pb(platform: "ensemble"
           ensemble_scheduling {
             step [
               {
                 model_name: "a"
                 model_version: -1
                 input_map { key: "x" value: "IN" }
                 output_map { key: "y" value: "MID" }
               },
               { model_name: "b" model_version: 2 input_map { key: "x" value: "MID" } }
             ]
           })pb",
      "models/m/config.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->ensemble_steps.size(), 2u);
  EXPECT_EQ(config->ensemble_steps[0].model_name, "a");
  EXPECT_EQ(config->ensemble_steps[0].model_version, -1);
  EXPECT_EQ(config->ensemble_steps[0].input_map.at("x"), "IN");
  EXPECT_EQ(config->ensemble_steps[0].output_map.at("y"), "MID");
  EXPECT_EQ(config->ensemble_steps[1].model_version, 2);
}

TEST(ParseTritonConfig, BadEnsembles) {
  ExpectError(R"pb(platform: "ensemble")pb", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: platform 'ensemble' needs ensemble_scheduling { step [...] }");
  ExpectError(R"pb(platform: "onnxruntime_onnx"
                   ensemble_scheduling { step { model_name: "a" } })pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: ensemble_scheduling is for platform 'ensemble', not "
              "'onnxruntime_onnx'");
  ExpectError(R"pb(platform: "ensemble"
                   ensemble_scheduling { step { model_name: "" } })pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: ensemble_scheduling: step 1 has no model_name");
  ExpectError(R"pb(platform: "ensemble"
                   ensemble_scheduling { step { model_name: "a" model_version: 0 } })pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: ensemble_scheduling: step 1 ('a'): model_version 0 is not "
              "valid; -1 (the highest ready) or a version > 0");
}

TEST(ParseTritonConfig, UnsupportedFeatures) {
  ExpectError(R"pb(sequence_batching {
                     control_input
                     [ {
                       name: "START" control
                       [ {
                         kind: CONTROL_SEQUENCE_START
                         int32_false_true: [ 0, 1 ]
                       }]
                     }]
                     oldest { max_candidate_sequences: 4 }
                   })pb",
              absl::StatusCode::kUnimplemented,
              "models/m/config.pbtxt: sequence_batching: stateful (sequence) models are not "
              "supported");
  ExpectError("model_transaction_policy { decoupled: true }", absl::StatusCode::kUnimplemented,
              "models/m/config.pbtxt: model_transaction_policy: decoupled models are not "
              "supported");
  ExpectError("batch_input { kind: BATCH_ELEMENT_COUNT target_name: \"n\" }",
              absl::StatusCode::kUnimplemented,
              "models/m/config.pbtxt: batch_input is not supported");
}

}  // namespace
}  // namespace tensord

namespace tensord {
namespace {

TEST(ParseTritonConfig, GraphOptimizationLevelBecomesARuntimeParameter) {
  ModelConfig config = Parse(R"pb(
    name: "m"
    optimization { graph { level: 1 } }
  )pb");
  EXPECT_EQ(config.parameters["graph_optimization_level"], "1");
  config = Parse(R"pb(
    name: "m"
    optimization { graph { level: 1 } }
    parameters {
      key: "graph_optimization_level"
      value: { string_value: "all" }
    }
  )pb");
  EXPECT_EQ(config.parameters["graph_optimization_level"], "all");
}

}  // namespace
}  // namespace tensord

namespace tensord {
namespace {

// Issue 10: config files must not name files outside the model's folder, nest without
// bound, wrap instance counts or durations.
TEST(ParseTritonConfig, DefaultModelFilenameStaysInsideTheModelFolder) {
  EXPECT_EQ(Parse(R"pb(default_model_filename: "net.onnx")pb").model_file, "net.onnx");
  ExpectError(R"pb(default_model_filename: "/etc/passwd")pb", absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: default_model_filename '/etc/passwd' is an absolute path; a "
              "path in a model's config must stay inside the model's folder (relative, without "
              "'..')");
  ExpectError(R"pb(default_model_filename: "../../other/1/model.onnx")pb",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: default_model_filename '../../other/1/model.onnx' has a "
              "'..' segment; a path in a model's config must stay inside the model's folder "
              "(relative, without '..')");
}

TEST(ParseTritonConfig, DeepNestingIsRefusedBeforeProtobufRecursesIntoIt) {
  // Unknown fields are skipped, recursively: protobuf 3.21 overflowed its stack on these.
  std::string deep = "name: \"m\"\n";
  for (int i = 0; i < 100'000; ++i) deep += "x { ";
  for (int i = 0; i < 100'000; ++i) deep += "} ";
  ExpectError(deep, absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: nested deeper than 64 levels");
  std::string angle = "name: \"m\"\n";
  for (int i = 0; i < 100'000; ++i) angle += "y < ";
  ExpectError(angle, absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: nested deeper than 64 levels");
  // Ordinary nesting, comments and braces in strings are fine.
  EXPECT_EQ(Parse("name: \"{{{{\" # }}}} {{{{\n"
                  "dynamic_batching { default_queue_policy { max_queue_size: 2 } }")
                .name,
            "{{{{");
}

TEST(ParseTritonConfig, InstanceGroupCountsAddUpWithoutOverflow) {
  EXPECT_EQ(Parse("instance_group [ { count: 2 }, { count: 3 } ]").instance_count, 5);
  ExpectError("instance_group [ { count: 2147483647 }, { count: 2147483647 } ]",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: instance_group counts add up to 4294967294, more "
              "instances than a model can run (at most 2147483647)");
}

TEST(ParseTritonConfig, BatchingDelayIsBoundedAndTimeoutsSaturate) {
  ExpectError(
      "max_batch_size: 8 dynamic_batching { max_queue_delay_microseconds: "
      "18446744073709551615 }",
      absl::StatusCode::kInvalidArgument,
      "models/m/config.pbtxt: dynamic_batching: max_queue_delay_microseconds is "
      "18446744073709551615; a batching delay must be a number from 0 to 60 s "
      "(60000000 us)");
  ExpectError("max_batch_size: 8 dynamic_batching { max_queue_delay_microseconds: 60000001 }",
              absl::StatusCode::kInvalidArgument,
              "models/m/config.pbtxt: dynamic_batching: max_queue_delay_microseconds is "
              "60000001; a batching delay must be a number from 0 to 60 s (60000000 us)");
  EXPECT_EQ(Parse("max_batch_size: 8 dynamic_batching { max_queue_delay_microseconds: 60000000 }")
                .batching->max_queue_delay,
            std::chrono::seconds(60));
  for (std::string_view us : {"9223372036854775807", "18446744073709551615"}) {
    ModelConfig config =
        Parse(fmt::format("max_batch_size: 8 dynamic_batching {{ default_queue_policy {{ "
                          "default_timeout_microseconds: {} }} }}",
                          us));
    EXPECT_EQ(config.batching->default_timeout, std::chrono::microseconds::max()) << us;
  }
}

TEST(ParseTritonConfigJson, DeepNestingIsRefused) {
  std::string deep = R"({"name": "m", "x": )" + std::string(100'000, '[');
  absl::StatusOr<ModelConfig> config = ParseTritonConfigJson(deep, "config override");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(config.status()), "config override: JSON nested deeper than 64 levels");
}

}  // namespace
}  // namespace tensord

#include "frontend/config_export.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "repository/config_pbtxt.h"

namespace tensord {
namespace {

using ::testing::ElementsAre;

// Triton's densenet_onnx example, with fields tensord does not act on.
constexpr std::string_view kDensenet = R"pb(
  name: "densenet_onnx"
  platform: "onnxruntime_onnx"
  max_batch_size: 0
  input [ {
    name: "data_0"
    data_type: TYPE_FP32
    format: FORMAT_NCHW
    dims: [ 3, 224, 224 ]
    reshape { shape: [ 1, 3, 224, 224 ] }
  } ]
  output [ {
    name: "fc6_1"
    data_type: TYPE_FP32
    dims: [ 1000 ]
    reshape { shape: [ 1, 1000, 1, 1 ] }
    label_filename: "densenet_labels.txt"
  } ]
  optimization { priority: PRIORITY_MAX }
  metric_tags { key: "team" value: "vision" }
  model_warmup [ { name: "w", batch_size: 1, count: 3 } ]
  response_cache { enable: true }
)pb";

ModelConfig Parse(std::string_view text) {
  absl::StatusOr<ModelConfig> config = ParseTritonConfig(text, "m/config.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : ModelConfig{};
}

TEST(ConfigExport, EveryFieldTheFileGaveComesBack) {
  const ModelConfig config = Parse(kDensenet);
  ASSERT_TRUE(config.inputs[0].reshape.has_value());
  EXPECT_THAT(*config.inputs[0].reshape, ElementsAre(1, 3, 224, 224));

  const nlohmann::json json = nlohmann::json::parse(ModelConfigToJson(config));
  EXPECT_EQ(json["name"], "densenet_onnx");
  const nlohmann::json& input = json["input"][0];
  EXPECT_EQ(input["format"], "FORMAT_NCHW");
  EXPECT_EQ(input["dims"], nlohmann::json({3, 224, 224}));
  // 64-bit integers are numbers, as Triton prints them.
  EXPECT_EQ(input["reshape"]["shape"], nlohmann::json({1, 3, 224, 224}));
  EXPECT_EQ(input["is_shape_tensor"], false);
  const nlohmann::json& output = json["output"][0];
  EXPECT_EQ(output["label_filename"], "densenet_labels.txt");
  EXPECT_EQ(output["reshape"]["shape"], nlohmann::json({1, 1000, 1, 1}));
  EXPECT_EQ(json["optimization"]["priority"], "PRIORITY_MAX");
  EXPECT_EQ(json["metric_tags"]["team"], "vision");
  EXPECT_EQ(json["model_warmup"][0]["count"], 3);
  EXPECT_EQ(json["response_cache"]["enable"], true);
  // Unset messages are left out; lists and scalars are printed.
  EXPECT_FALSE(json.contains("sequence_batching"));
  EXPECT_EQ(json["batch_input"], nlohmann::json::array());
  EXPECT_EQ(json["backend"], "");

  inference::ModelConfig proto;
  ModelConfigToProto(config, &proto);
  EXPECT_EQ(proto.input(0).format(), inference::ModelInput::FORMAT_NCHW);
  EXPECT_THAT(proto.output(0).reshape().shape(), ElementsAre(1, 1000, 1, 1));
  EXPECT_TRUE(proto.response_cache().enable());
}

TEST(ConfigExport, WhatTheServerCompletedWinsOverTheFile) {
  ModelConfig config = Parse(R"pb(
    name: "m"
    max_batch_size: 4
    input [ { name: "x" data_type: TYPE_FP32 dims: [ -1 ] } ]
    instance_group [ { count: 2 kind: KIND_AUTO } ]
    dynamic_batching { priority_levels: 3 }
  )pb");
  config.platform = "onnxruntime_onnx";  // as the runtime completes it
  config.inputs[0].dims = {16};
  config.outputs = {{.name = "y", .datatype = DataType::kInt64, .dims = {1}}};

  inference::ModelConfig proto;
  ModelConfigToProto(config, &proto);
  EXPECT_EQ(proto.platform(), "onnxruntime_onnx");
  EXPECT_THAT(proto.input(0).dims(), ElementsAre(16));
  ASSERT_EQ(proto.output_size(), 1);
  EXPECT_EQ(proto.output(0).data_type(), inference::TYPE_INT64);
  ASSERT_EQ(proto.instance_group_size(), 1);
  EXPECT_EQ(proto.instance_group(0).name(), "m_0");
  EXPECT_EQ(proto.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_EQ(proto.instance_group(0).count(), 2);
  // Fields tensord does not apply stay as given next to those it does.
  EXPECT_EQ(proto.dynamic_batching().priority_levels(), 3u);
  EXPECT_TRUE(proto.version_policy().has_all());
}

TEST(ConfigExport, AConfigWithoutTritonFieldsGetsOneCpuGroup) {
  ModelConfig config;
  config.name = "plain";
  config.instance_count = 3;
  const nlohmann::json json = nlohmann::json::parse(ModelConfigToJson(config));
  ASSERT_EQ(json["instance_group"].size(), 1u);
  EXPECT_EQ(json["instance_group"][0]["count"], 3);
  EXPECT_EQ(json["instance_group"][0]["kind"], "KIND_CPU");
  EXPECT_EQ(json["version_policy"], nlohmann::json({{"all", nlohmann::json::object()}}));
  EXPECT_FALSE(json.contains("dynamic_batching"));
}

TEST(ConfigExport, MessagesPrintEveryScalarTypeAndMapKeysInOrder) {
  inference::ModelConfig proto;
  (*proto.mutable_parameters())["b"].set_string_value("2");
  (*proto.mutable_parameters())["a"].set_string_value("x\"y");
  proto.mutable_dynamic_batching()->set_max_queue_delay_microseconds(18446744073709551615ull);
  const std::string json = MessageToTritonJson(proto);
  EXPECT_NE(json.find(R"("parameters":{"a":{"string_value":"x\"y"},"b":{"string_value":"2"}})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("max_queue_delay_microseconds":18446744073709551615)"), std::string::npos)
      << json;
  EXPECT_TRUE(nlohmann::json::accept(json));
}

}  // namespace
}  // namespace tensord

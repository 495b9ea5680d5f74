#include "frontend/grpc/metadata_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::grpc {
namespace {

using ::testing::ElementsAre;

TEST(ModelMetadataToProto, CopiesEveryField) {
  ModelMetadata metadata{.name = "mlp",
                         .versions = {"1", "2"},
                         .platform = "onnxruntime_onnx",
                         .inputs = {{.name = "x", .datatype = DataType::kFp32, .shape = {-1, 16}}},
                         .outputs = {{.name = "y", .datatype = DataType::kBytes, .shape = {-1}}}};
  inference::ModelMetadataResponse proto;
  ModelMetadataToProto(metadata, &proto);
  EXPECT_EQ(proto.name(), "mlp");
  EXPECT_THAT(proto.versions(), ElementsAre("1", "2"));
  EXPECT_EQ(proto.platform(), "onnxruntime_onnx");
  ASSERT_EQ(proto.inputs_size(), 1);
  EXPECT_EQ(proto.inputs(0).name(), "x");
  EXPECT_EQ(proto.inputs(0).datatype(), "FP32");
  EXPECT_THAT(proto.inputs(0).shape(), ElementsAre(-1, 16));
  ASSERT_EQ(proto.outputs_size(), 1);
  EXPECT_EQ(proto.outputs(0).datatype(), "BYTES");
}

TEST(ServerMetadataToProto, CopiesEveryField) {
  inference::ServerMetadataResponse proto;
  ServerMetadataToProto({.name = "tensord", .version = "0.1.0", .extensions = {"a", "b"}}, &proto);
  EXPECT_EQ(proto.name(), "tensord");
  EXPECT_EQ(proto.version(), "0.1.0");
  EXPECT_THAT(proto.extensions(), ElementsAre("a", "b"));
}

TEST(ModelConfigToProto, WritesTritonsConfigBack) {
  ModelConfig config;
  config.name = "mlp";
  config.platform = "onnxruntime_onnx";
  config.max_batch_size = 8;
  config.inputs = {{.name = "x", .datatype = DataType::kFp32, .dims = {16}, .optional = true}};
  config.outputs = {{.name = "y", .datatype = DataType::kBytes, .dims = {-1}}};
  config.instance_count = 2;
  config.batching = BatchingConfig{.max_queue_delay = std::chrono::microseconds(500),
                                   .preferred_batch_sizes = {4, 8},
                                   .preserve_ordering = true,
                                   .max_queue_size = 64,
                                   .default_timeout = std::chrono::microseconds(1000)};
  config.parameters = {{"intra_op_thread_count", "2"}};
  config.model_file = "model.onnx";

  inference::ModelConfig proto;
  ModelConfigToProto(config, &proto);
  EXPECT_EQ(proto.name(), "mlp");
  EXPECT_EQ(proto.platform(), "onnxruntime_onnx");
  EXPECT_EQ(proto.max_batch_size(), 8);
  ASSERT_EQ(proto.input_size(), 1);
  EXPECT_EQ(proto.input(0).name(), "x");
  EXPECT_EQ(proto.input(0).data_type(), inference::TYPE_FP32);
  EXPECT_THAT(proto.input(0).dims(), ElementsAre(16));
  EXPECT_TRUE(proto.input(0).optional());
  ASSERT_EQ(proto.output_size(), 1);
  EXPECT_EQ(proto.output(0).data_type(), inference::TYPE_STRING);
  EXPECT_THAT(proto.output(0).dims(), ElementsAre(-1));
  ASSERT_EQ(proto.instance_group_size(), 1);
  EXPECT_EQ(proto.instance_group(0).count(), 2);
  EXPECT_EQ(proto.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  ASSERT_TRUE(proto.has_dynamic_batching());
  EXPECT_EQ(proto.dynamic_batching().max_queue_delay_microseconds(), 500u);
  EXPECT_THAT(proto.dynamic_batching().preferred_batch_size(), ElementsAre(4, 8));
  EXPECT_TRUE(proto.dynamic_batching().preserve_ordering());
  EXPECT_EQ(proto.dynamic_batching().default_queue_policy().max_queue_size(), 64u);
  EXPECT_EQ(proto.dynamic_batching().default_queue_policy().default_timeout_microseconds(), 1000u);
  EXPECT_EQ(proto.parameters().at("intra_op_thread_count").string_value(), "2");
  EXPECT_EQ(proto.default_model_filename(), "model.onnx");
  EXPECT_TRUE(proto.version_policy().has_all());
}

TEST(ModelConfigToProto, NoBatchingAndTheServersOneInstance) {
  ModelConfig config;
  config.name = "plain";
  config.version_policy.kind = VersionPolicy::Kind::kLatest;
  config.version_policy.num_versions = 2;
  inference::ModelConfig proto;
  ModelConfigToProto(config, &proto);
  EXPECT_FALSE(proto.has_dynamic_batching());
  // Like REST: the group is always there, with the instances that run the model.
  ASSERT_EQ(proto.instance_group_size(), 1);
  EXPECT_EQ(proto.instance_group(0).count(), 1);
  EXPECT_EQ(proto.instance_group(0).name(), "plain");
  EXPECT_EQ(proto.version_policy().latest().num_versions(), 2u);
}

}  // namespace
}  // namespace tensord::grpc

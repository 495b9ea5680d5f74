#include "serving/classification.h"

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::ElementsAre;

template <typename T>
Tensor Make(DataType type, Shape shape, std::vector<T> values) {
  return {.name = "y",
          .datatype = type,
          .shape = std::move(shape),
          .data = Buffer::Copy(std::as_bytes(std::span<const T>(values)))};
}

std::vector<std::string> Elements(const Tensor& tensor) {
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(tensor.data.bytes());
  EXPECT_TRUE(elements.ok()) << elements.status();
  return {elements->begin(), elements->end()};
}

TEST(ClassificationTest, TopKOfAnUnbatchedOutputAsTritonWritesIt) {
  // Triton's own example: [1.1, 3.3, 0.5, 2.4], top 2 -> "3.3:1", "2.4:3".
  absl::StatusOr<Tensor> top =
      TopClasses(Make<float>(DataType::kFp32, {4}, {1.1f, 3.3f, 0.5f, 2.4f}), 2, false, nullptr);
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(top->datatype, DataType::kBytes);
  EXPECT_EQ(top->shape, Shape({2}));
  EXPECT_THAT(Elements(*top), ElementsAre("3.300000:1", "2.400000:3"));
}

TEST(ClassificationTest, PerBatchItemWithLabelsTiesToTheLowerIndex) {
  const std::vector<std::string> labels = {"zero", "one", "two"};
  absl::StatusOr<Tensor> top =
      TopClasses(Make<int32_t>(DataType::kInt32, {2, 3}, {5, 9, 9, -1, -7, 3}), 5, true, &labels);
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(top->shape, Shape({2, 3}));  // k is capped by the 3 classes
  EXPECT_THAT(Elements(*top),
              ElementsAre("9:1:one", "9:2:two", "5:0:zero", "3:2:two", "-1:0:zero", "-7:1:one"));
}

TEST(ClassificationTest, LabelsShorterThanTheClassesLeaveTheRestUnlabelled) {
  const std::vector<std::string> labels = {"only"};
  absl::StatusOr<Tensor> top =
      TopClasses(Make<uint64_t>(DataType::kUint64, {1, 3}, {1, 2, 3}), 3, true, &labels);
  ASSERT_TRUE(top.ok());
  EXPECT_THAT(Elements(*top), ElementsAre("3:2", "2:1", "1:0:only"));
}

TEST(ClassificationTest, HalfPrecisionIsRankedAsItsValue) {
  // 0x3c00 = 1.0, 0xc000 = -2.0, 0x4000 = 2.0
  absl::StatusOr<Tensor> top =
      TopClasses(Make<uint16_t>(DataType::kFp16, {3}, {0x3c00, 0xc000, 0x4000}), 1, false, nullptr);
  ASSERT_TRUE(top.ok());
  EXPECT_THAT(Elements(*top), ElementsAre("2.000000:2"));
}

TEST(ClassificationTest, BadParametersAndBytesOutputs) {
  InferRequest request;
  request.outputs.push_back({.name = "y", .parameters = {{"classification", int64_t{0}}}});
  absl::Status zero = FindClassifications(request).status();
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(zero),
            "output 'y': parameter 'classification' must be a positive integer (the number of "
            "classes to return)");
  request.outputs[0].parameters = {{"class_count", std::string("3")}};
  EXPECT_EQ(FindClassifications(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.outputs[0].parameters = {{"class_count", int64_t{3}}};
  absl::StatusOr<Classifications> found = FindClassifications(request);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].count, 3);

  ModelConfig config;
  config.outputs.push_back({.name = "y", .datatype = DataType::kBytes});
  absl::Status bytes = CheckClassifiable(*found, config);
  EXPECT_EQ(Message(bytes), "output 'y': classification needs a numeric output, not BYTES");
}

}  // namespace
}  // namespace tensord

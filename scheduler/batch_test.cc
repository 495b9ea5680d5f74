#include "scheduler/batch.h"

#include <cstring>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Tensor Floats(std::string name, Shape shape, std::vector<float> values) {
  std::vector<std::byte> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return {.name = std::move(name),
          .datatype = DataType::kFp32,
          .shape = std::move(shape),
          .data = Buffer::FromVector(std::move(bytes))};
}

Tensor Strings(std::string name, Shape shape, std::vector<std::string> values) {
  std::vector<std::byte> bytes;
  for (const std::string& value : values) AppendBytesElement(bytes, value);
  return {.name = std::move(name),
          .datatype = DataType::kBytes,
          .shape = std::move(shape),
          .data = Buffer::FromVector(std::move(bytes))};
}

std::vector<float> ValuesOf(const Tensor& tensor) {
  auto span = tensor.data.as<float>();
  return {span.begin(), span.end()};
}

std::vector<std::string> StringsOf(const Tensor& tensor) {
  auto elements = SplitBytesElements(tensor.data.bytes());
  EXPECT_TRUE(elements.ok());
  return {elements->begin(), elements->end()};
}

TEST(OutputNames, RequestedOnesInRequestOrderElseEveryModelOutput) {
  ModelConfig config;
  config.outputs = {{.name = "a"}, {.name = "b"}};
  InferRequest all;
  EXPECT_THAT(OutputNames(config, all), ElementsAre("a", "b"));
  InferRequest some;
  some.outputs = {{.name = "b"}, {.name = "a"}};
  EXPECT_THAT(OutputNames(config, some), ElementsAre("b", "a"));
}

TEST(OutputNames, OptionalOutputsOnlyWhenAskedFor) {
  ModelConfig config;
  config.outputs = {{.name = "predict"}, {.name = "predict_proba", .optional = true}};
  InferRequest none;
  EXPECT_THAT(OutputNames(config, none), ElementsAre("predict"));
  InferRequest proba;
  proba.outputs = {{.name = "predict_proba"}};
  EXPECT_THAT(OutputNames(config, proba), ElementsAre("predict_proba"));
  InferRequest both;
  both.outputs = {{.name = "predict_proba"}, {.name = "predict"}};
  EXPECT_THAT(OutputNames(config, both), ElementsAre("predict_proba", "predict"));
}

TEST(OutputNames, EveryOutputWhenAllAreOptional) {
  ModelConfig config;
  config.outputs = {{.name = "a", .optional = true}, {.name = "b", .optional = true}};
  EXPECT_THAT(OutputNames(config, InferRequest{}), ElementsAre("a", "b"));
}

TEST(BatchKey, ARequestNamingNoOutputsBatchesOnlyWithThoseGettingTheSameOutputs) {
  ModelConfig config;
  config.outputs = {{.name = "predict"}, {.name = "predict_proba", .optional = true}};
  InferRequest none;
  none.inputs = {Floats("x", {1, 2}, {1, 2})};
  InferRequest predict = none;
  predict.outputs = {{.name = "predict"}};
  InferRequest proba = none;
  proba.outputs = {{.name = "predict_proba"}};
  const std::string key = BatchKey(none, OutputNames(config, none));
  EXPECT_EQ(key, BatchKey(predict, OutputNames(config, predict)));
  EXPECT_NE(key, BatchKey(proba, OutputNames(config, proba)));
}

TEST(BatchRows, LeadingDimensionOnlyWhenTheModelBatches) {
  ModelConfig config;
  InferRequest request;
  request.inputs.push_back(Floats("x", {3, 2}, {1, 2, 3, 4, 5, 6}));
  config.max_batch_size = 8;
  EXPECT_EQ(BatchRows(config, request), 3);
  config.max_batch_size = 0;
  EXPECT_EQ(BatchRows(config, request), 1);
}

TEST(BatchKey, IgnoresInputOrderAndRowsButNotDimsTypesOrOutputs) {
  const std::vector<std::string> out = {"y"};
  InferRequest a;
  a.inputs = {Floats("x", {1, 2}, {1, 2}), Floats("z", {1, 1}, {3})};
  InferRequest b;
  b.inputs = {Floats("z", {2, 1}, {3, 4}), Floats("x", {2, 2}, {1, 2, 3, 4})};
  EXPECT_EQ(BatchKey(a, out), BatchKey(b, out));

  InferRequest wider;
  wider.inputs = {Floats("x", {1, 3}, {1, 2, 3}), Floats("z", {1, 1}, {3})};
  EXPECT_NE(BatchKey(a, out), BatchKey(wider, out));

  InferRequest other_type = a;
  other_type.inputs[1].datatype = DataType::kInt32;
  EXPECT_NE(BatchKey(a, out), BatchKey(other_type, out));

  InferRequest fewer;
  fewer.inputs = {Floats("x", {1, 2}, {1, 2})};
  EXPECT_NE(BatchKey(a, out), BatchKey(fewer, out));

  const std::vector<std::string> other_out = {"y", "p"};
  EXPECT_NE(BatchKey(a, out), BatchKey(a, other_out));
}

TEST(MergeInputs, ConcatenatesAlongDimZeroInTheFirstRequestsInputOrder) {
  InferRequest a;
  a.inputs = {Floats("x", {2, 2}, {1, 2, 3, 4}), Floats("z", {2, 1}, {10, 20})};
  InferRequest b;
  b.inputs = {Floats("z", {1, 1}, {30}), Floats("x", {1, 2}, {5, 6})};
  const InferRequest* requests[] = {&a, &b};
  absl::StatusOr<std::vector<Tensor>> merged = MergeInputs(requests);
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->size(), 2u);
  EXPECT_EQ((*merged)[0].name, "x");
  EXPECT_THAT((*merged)[0].shape, ElementsAre(3, 2));
  EXPECT_THAT(ValuesOf((*merged)[0]), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ((*merged)[1].name, "z");
  EXPECT_THAT((*merged)[1].shape, ElementsAre(3, 1));
  EXPECT_THAT(ValuesOf((*merged)[1]), ElementsAre(10, 20, 30));
}

TEST(MergeInputs, ConcatenatesBytesElements) {
  InferRequest a;
  a.inputs = {Strings("s", {2}, {"ab", ""})};
  InferRequest b;
  b.inputs = {Strings("s", {1}, {"xyz"})};
  const InferRequest* requests[] = {&a, &b};
  absl::StatusOr<std::vector<Tensor>> merged = MergeInputs(requests);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT((*merged)[0].shape, ElementsAre(3));
  EXPECT_THAT(StringsOf((*merged)[0]), ElementsAre("ab", "", "xyz"));
}

TEST(MergeInputs, RefusesARequestLackingAnInput) {
  InferRequest a;
  a.id = "a";
  a.inputs = {Floats("x", {1, 1}, {1})};
  InferRequest b;
  b.id = "b";
  b.inputs = {Floats("w", {1, 1}, {1})};
  const InferRequest* requests[] = {&a, &b};
  absl::StatusOr<std::vector<Tensor>> merged = MergeInputs(requests);
  EXPECT_EQ(merged.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(merged.status()),
              HasSubstr("input 'x' of request 'b' cannot join a batch with request 'a'"));
}

TEST(SplitOutputs, ViewsTheBatchBufferByRowOffsets) {
  const Tensor y = Floats("y", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const int64_t rows[] = {1, 3, 0};
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs({&y, 1}, rows);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_THAT((*parts)[0][0].shape, ElementsAre(1, 2));
  EXPECT_THAT(ValuesOf((*parts)[0][0]), ElementsAre(1, 2));
  EXPECT_THAT((*parts)[1][0].shape, ElementsAre(3, 2));
  EXPECT_THAT(ValuesOf((*parts)[1][0]), ElementsAre(3, 4, 5, 6, 7, 8));
  EXPECT_THAT((*parts)[2][0].shape, ElementsAre(0, 2));
  EXPECT_TRUE((*parts)[2][0].data.empty());
  // No copy: the parts point into the batch output and keep it alive.
  EXPECT_EQ((*parts)[1][0].data.data(), y.data.data() + 2 * sizeof(float));
  EXPECT_EQ((*parts)[1][0].data.owner(), y.data.owner());
}

TEST(SplitOutputs, SplitsBytesOutputsAtElementBoundaries) {
  const Tensor s = Strings("s", {3, 2}, {"a", "bb", "", "cccc", "d", "e"});
  const int64_t rows[] = {2, 1};
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs({&s, 1}, rows);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_THAT((*parts)[0][0].shape, ElementsAre(2, 2));
  EXPECT_THAT(StringsOf((*parts)[0][0]), ElementsAre("a", "bb", "", "cccc"));
  EXPECT_THAT((*parts)[1][0].shape, ElementsAre(1, 2));
  EXPECT_THAT(StringsOf((*parts)[1][0]), ElementsAre("d", "e"));
}

TEST(SplitOutputs, KeepsEveryOutputInOrderForEachRequest) {
  const Tensor y = Floats("y", {2}, {1, 2});
  const Tensor p = Floats("p", {2, 1}, {3, 4});
  const Tensor outputs[] = {y, p};
  const int64_t rows[] = {1, 1};
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs(outputs, rows);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ((*parts)[1][0].name, "y");
  EXPECT_THAT(ValuesOf((*parts)[1][0]), ElementsAre(2));
  EXPECT_EQ((*parts)[1][1].name, "p");
  EXPECT_THAT(ValuesOf((*parts)[1][1]), ElementsAre(4));
}

TEST(SplitOutputs, RefusesAnOutputWithTheWrongRowCount) {
  const Tensor y = Floats("y", {2, 2}, {1, 2, 3, 4});
  const int64_t rows[] = {2, 1};
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs({&y, 1}, rows);
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(parts.status()),
              HasSubstr("output 'y' has shape [2,2], but the batch has 3 rows"));
}

TEST(SplitOutputs, RefusesAnOutputWhoseDataDoesNotMatchItsShape) {
  Tensor y = Floats("y", {2, 2}, {1, 2, 3});
  const int64_t rows[] = {1, 1};
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs({&y, 1}, rows);
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(parts.status()),
              HasSubstr("output 'y' holds 12 bytes, but its shape [2,2] needs 16"));
}

TEST(SplitOutputs, RefusesTruncatedBytesOutputs) {
  Tensor s = Strings("s", {2}, {"a"});
  const int64_t rows[] = {1, 1};
  absl::StatusOr<std::vector<std::vector<Tensor>>> parts = SplitOutputs({&s, 1}, rows);
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(parts.status()), HasSubstr("output 's'"));
}

}  // namespace
}  // namespace tensord::scheduler

// OutputPlans: which output shapes are known before a run, and from what.
#include "runtime/onnx/output_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::runtime::onnx {
namespace {

using ::testing::ElementsAre;

Tensor Input(std::string name, Shape shape) {
  return Tensor{.name = std::move(name), .datatype = DataType::kFp32, .shape = std::move(shape)};
}

TEST(OutputPlansTest, SizesComeFromTheModelOrFromAnInputDimensionOfTheSameName) {
  const std::vector<DeclaredTensor> inputs = {{.name = "tokens",
                                               .datatype = DataType::kInt64,
                                               .dims = {-1, -1},
                                               .symbols = {"batch", "seq"}},
                                              {.name = "mask",
                                               .datatype = DataType::kInt64,
                                               .dims = {-1, -1},
                                               .symbols = {"batch", "len"}}};
  const std::vector<DeclaredTensor> outputs = {
      {.name = "logits",
       .datatype = DataType::kFp16,
       .dims = {-1, -1, 8},
       .symbols = {"batch", "len", ""}},
      {.name = "pooled", .datatype = DataType::kFp64, .dims = {2, 3}, .symbols = {"", ""}},
      {.name = "scalar", .datatype = DataType::kInt32, .dims = {}, .symbols = {}}};
  const OutputPlans plans(inputs, outputs, /*max_batch_size=*/0);
  const std::vector<Tensor> request = {Input("mask", {5, 7}), Input("tokens", {5, 9})};

  std::optional<PlannedOutput> logits = plans.Predict("logits", request);
  ASSERT_TRUE(logits.has_value());
  EXPECT_EQ(logits->datatype, DataType::kFp16);
  EXPECT_THAT(logits->shape, ElementsAre(5, 7, 8));  // "len" is the mask's, not the tokens'
  EXPECT_EQ(logits->bytes, 5u * 7 * 8 * 2);

  std::optional<PlannedOutput> pooled = plans.Predict("pooled", request);
  ASSERT_TRUE(pooled.has_value());
  EXPECT_THAT(pooled->shape, ElementsAre(2, 3));
  EXPECT_EQ(pooled->bytes, 48u);

  std::optional<PlannedOutput> scalar = plans.Predict("scalar", request);
  ASSERT_TRUE(scalar.has_value());
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->bytes, 4u);
}

TEST(OutputPlansTest, UnknownBeforeTheRun) {
  const std::vector<DeclaredTensor> inputs = {
      {.name = "x", .datatype = DataType::kFp32, .dims = {-1, 4}, .symbols = {"n", ""}}};
  const std::vector<DeclaredTensor> outputs = {
      {.name = "unnamed", .datatype = DataType::kFp32, .dims = {-1, 4}, .symbols = {"", ""}},
      {.name = "own_name", .datatype = DataType::kFp32, .dims = {-1}, .symbols = {"k"}},
      {.name = "text", .datatype = DataType::kBytes, .dims = {-1}, .symbols = {"n"}},
      {.name = "opaque", .datatype = DataType::kInvalid, .dims = {-1}, .symbols = {"n"}},
      {.name = "rows", .datatype = DataType::kFp32, .dims = {-1}, .symbols = {"n"}},
      {.name = "x", .datatype = DataType::kFp32, .dims = {-1, 4}, .symbols = {"n", ""}}};
  const OutputPlans plans(inputs, outputs, /*max_batch_size=*/0);
  const std::vector<Tensor> request = {Input("x", {3, 4})};
  EXPECT_FALSE(plans.Predict("unnamed", request).has_value());   // a dynamic size, no name
  EXPECT_FALSE(plans.Predict("own_name", request).has_value());  // a name no input has
  EXPECT_FALSE(plans.Predict("text", request).has_value());      // variable-length elements
  EXPECT_FALSE(plans.Predict("opaque", request).has_value());    // not a tensor tensord carries
  EXPECT_FALSE(plans.Predict("missing", request).has_value());   // not an output at all
  EXPECT_FALSE(plans.Predict("x", request).has_value());         // the input passed through
  ASSERT_TRUE(plans.Predict("rows", request).has_value());
  EXPECT_THAT(plans.Predict("rows", request)->shape, ElementsAre(3));

  // The request lacks the input the name comes from, or gives it fewer dimensions.
  EXPECT_FALSE(plans.Predict("rows", std::vector<Tensor>{Input("y", {3, 4})}).has_value());
  EXPECT_FALSE(plans.Predict("rows", std::vector<Tensor>{Input("x", {})}).has_value());
  // No element: nothing to allocate.
  EXPECT_FALSE(plans.Predict("rows", std::vector<Tensor>{Input("x", {0, 4})}).has_value());
}

TEST(OutputPlansTest, SizesThatOverflowAreUnknown) {
  const std::vector<DeclaredTensor> inputs = {
      {.name = "x", .datatype = DataType::kFp32, .dims = {-1, -1}, .symbols = {"a", "b"}}};
  const std::vector<DeclaredTensor> outputs = {{.name = "outer",
                                                .datatype = DataType::kFp64,
                                                .dims = {-1, -1, -1, -1},
                                                .symbols = {"a", "b", "a", "b"}}};
  const OutputPlans plans(inputs, outputs, /*max_batch_size=*/0);
  const int64_t big = int64_t{1} << 20;
  EXPECT_FALSE(plans.Predict("outer", std::vector<Tensor>{Input("x", {big, big})}).has_value());
  EXPECT_THAT(plans.Predict("outer", std::vector<Tensor>{Input("x", {2, 3})})->shape,
              ElementsAre(2, 3, 2, 3));
}

TEST(OutputPlansTest, WhenTheModelBatchesAnOutputsFirstDimensionIsTheBatch) {
  // Names as exporters give them: different on inputs and outputs, or none.
  const std::vector<DeclaredTensor> inputs = {
      {.name = "x", .datatype = DataType::kFp32, .dims = {-1, 4}, .symbols = {"unk__7", ""}}};
  const std::vector<DeclaredTensor> outputs = {
      {.name = "y", .datatype = DataType::kFp32, .dims = {-1, 2}, .symbols = {"unk__9", ""}},
      {.name = "z", .datatype = DataType::kInt64, .dims = {-1}, .symbols = {""}},
      {.name = "w", .datatype = DataType::kFp32, .dims = {-1, -1}, .symbols = {"", ""}}};
  const std::vector<Tensor> request = {Input("x", {5, 4})};

  const OutputPlans batched(inputs, outputs, /*max_batch_size=*/8);
  ASSERT_TRUE(batched.Predict("y", request).has_value());
  EXPECT_THAT(batched.Predict("y", request)->shape, ElementsAre(5, 2));
  EXPECT_THAT(batched.Predict("z", request)->shape, ElementsAre(5));
  EXPECT_FALSE(batched.Predict("w", request).has_value());  // only the first dimension
  EXPECT_FALSE(batched.Predict("y", std::vector<Tensor>{}).has_value());

  const OutputPlans unbatched(inputs, outputs, /*max_batch_size=*/0);
  EXPECT_FALSE(unbatched.Predict("y", request).has_value());
  EXPECT_FALSE(unbatched.Predict("z", request).has_value());
}

}  // namespace
}  // namespace tensord::runtime::onnx

#include "runtime/xgboost/output_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::runtime::xgboost {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;

template <typename T>
std::vector<T> Elements(const Tensor& tensor) {
  std::vector<T> out;
  for (size_t i = 0; i < tensor.data.size() / sizeof(T); ++i) out.push_back(tensor.data.Read<T>(i));
  return out;
}

BoosterTraits Multiclass() {
  return {.num_features = 2,
          .objective = "multi:softprob",
          .estimator_type = "classifier",
          .num_classes = 3,
          .value_columns = 3,
          .margin_columns = 3};
}

TEST(MakeOutput, MulticlassLabelsAreTheFirstMaximum) {
  const BoosterTraits traits = Multiclass();
  const float values[] = {0.2f, 0.4f, 0.4f, 0.7f, 0.2f, 0.1f};
  OutputPlan plan{.name = "predict", .kind = OutputKind::kLabel, .datatype = DataType::kInt64};
  absl::StatusOr<Tensor> out = MakeOutput(plan, traits, {.rows = 2, .values = values});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->shape, ElementsAre(2, 1));
  EXPECT_THAT(Elements<int64_t>(*out), ElementsAre(1, 0));
}

TEST(MakeOutput, BinaryProbabilitiesAndThreshold) {
  const BoosterTraits traits{.num_features = 2,
                             .objective = "binary:logistic",
                             .estimator_type = "classifier",
                             .num_classes = 2};
  const float values[] = {0.25f, 0.5f, 0.75f};
  OutputPlan proba{.name = "predict_proba", .kind = OutputKind::kProbability, .columns = 2};
  absl::StatusOr<Tensor> out = MakeOutput(proba, traits, {.rows = 3, .values = values});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->shape, ElementsAre(3, 2));
  EXPECT_THAT(Elements<float>(*out), ElementsAre(0.75f, 0.25f, 0.5f, 0.5f, 0.25f, 0.75f));
  // p > 0.5, strictly, as XGBClassifier.predict.
  OutputPlan labels{.name = "predict", .kind = OutputKind::kLabel, .datatype = DataType::kInt64};
  out = MakeOutput(labels, traits, {.rows = 3, .values = values});
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(Elements<int64_t>(*out), ElementsAre(0, 0, 1));
}

TEST(MakeOutput, SoftmaxProbabilitiesComeFromMargins) {
  BoosterTraits traits = Multiclass();
  traits.objective = "multi:softmax";
  traits.value_columns = 1;
  EXPECT_TRUE(NeedsMargins(OutputKind::kProbability, traits));
  EXPECT_EQ(NaturalDatatype(OutputKind::kLabel, traits), DataType::kInt32);
  const float margins[] = {0.0f, 0.0f, std::log(2.0f)};
  OutputPlan plan{.name = "predict_proba", .kind = OutputKind::kProbability, .columns = 3};
  absl::StatusOr<Tensor> out = MakeOutput(plan, traits, {.rows = 1, .margins = margins});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Elements<float>(*out), ElementsAre(FloatEq(0.25f), FloatEq(0.25f), FloatEq(0.5f)));
}

TEST(MakeOutput, ConvertsToTheDeclaredDatatype) {
  const BoosterTraits traits = Multiclass();
  const float values[] = {0.1f, 0.2f, 0.7f};
  OutputPlan plan{.name = "output__0", .kind = OutputKind::kLabel, .datatype = DataType::kFp32};
  absl::StatusOr<Tensor> out = MakeOutput(plan, traits, {.rows = 1, .values = values});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->datatype, DataType::kFp32);
  EXPECT_THAT(Elements<float>(*out), ElementsAre(2.0f));
}

TEST(OutputColumns, FollowTheKind) {
  const BoosterTraits traits = Multiclass();
  EXPECT_EQ(OutputColumns(OutputKind::kValue, traits), 3);
  EXPECT_EQ(OutputColumns(OutputKind::kLabel, traits), 1);
  EXPECT_EQ(OutputColumns(OutputKind::kProbability, traits), 3);
  const BoosterTraits binary{.objective = "binary:logistic", .num_classes = 2};
  EXPECT_EQ(OutputColumns(OutputKind::kProbability, binary), 2);
}

}  // namespace
}  // namespace tensord::runtime::xgboost

// Bad requests and bad model files: each gets the exact status code and a message naming
// the problem, and nothing crashes.
#include <fstream>
#include <limits>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/xgboost/xgboost_test_util.h"

namespace tensord::runtime::xgboost {
namespace {

using ::testing::HasSubstr;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ModelConfig config;
    config.name = "iris";
    absl::StatusOr<ModelPtr> model = LoadTestModel("binary.json", config);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    absl::StatusOr<InstancePtr> instance = model_->CreateInstance({});
    ASSERT_TRUE(instance.ok()) << instance.status();
    instance_ = *std::move(instance);
  }

  absl::Status Run(std::vector<Tensor> inputs, std::vector<std::string> outputs = {"predict"}) {
    return instance_->Execute(inputs, outputs).status();
  }

  ModelPtr model_;
  InstancePtr instance_;
};

TEST_F(BadInputTest, WrongFeatureCount) {
  absl::Status status = Run({Fp32Rows("x", {{1, 2, 3}})});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "input 'x' has 3 features (shape [1,3]), but model 'iris' expects 6");
}

TEST_F(BadInputTest, NotTwoDimensional) {
  Tensor flat = Fp32Rows("x", {{1, 2, 3, 4, 5, 6}});
  flat.shape = {6};
  absl::Status status = Run({flat});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "input 'x' has shape [6], but model 'iris' takes a 2-D [rows, features] tensor");
  flat.shape = {1, 1, 6};
  EXPECT_EQ(Message(Run({flat})),
            "input 'x' has shape [1,1,6], but model 'iris' takes a 2-D [rows, features] tensor");
}

TEST_F(BadInputTest, StringsAreRejected) {
  std::vector<std::byte> bytes;
  for (int i = 0; i < 6; ++i) AppendBytesElement(bytes, "1.0");
  Tensor text{.name = "x",
              .datatype = DataType::kBytes,
              .shape = {1, 6},
              .data = Buffer::FromVector(std::move(bytes))};
  absl::Status status = Run({text});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "input 'x' is BYTES (strings); model 'iris' takes numbers: send FP32, FP64 or an "
            "integer type");
}

TEST_F(BadInputTest, Bf16IsRejected) {
  Tensor bf16{.name = "x",
              .datatype = DataType::kBf16,
              .shape = {1, 6},
              .data = Buffer::FromVector(std::vector<std::byte>(12))};
  absl::Status status = Run({bf16});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "input 'x' has datatype BF16, which XGBoost models do not take; send FP32, FP64 or "
            "an integer type");
}

TEST_F(BadInputTest, NanIsAMissingValueNotAnError) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(Run({Fp32Rows("x", {{nan, nan, nan, nan, nan, nan}})}).ok());
}

TEST_F(BadInputTest, TwoInputs) {
  absl::Status status = Run({Fp32Rows("a", {TestRows()[0]}), Fp32Rows("b", {TestRows()[0]})});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "model 'iris' takes one input [rows, features], but the request has 2");
}

TEST_F(BadInputTest, DataSizeDisagreesWithShape) {
  Tensor short_data = Fp32Rows("x", {TestRows()[0]});
  short_data.shape = {2, 6};
  absl::Status status = Run({short_data});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("input 'x': data has 24 bytes"));
}

TEST_F(BadInputTest, UnknownOutput) {
  absl::Status status = Run({Fp32Rows("x", {TestRows()[0]})}, {"predict_log_proba"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "model 'iris' has no output 'predict_log_proba'");
}

void WriteFile(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string Truncated(const std::string& file, size_t keep) {
  std::ifstream in(TestdataDir() / file, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content.substr(0, keep);
}

TEST(CorruptModel, LoadFailsWithXgboostsReasonAndThePath) {
  const std::filesystem::path dir = FreshDir("corrupt");
  const std::vector<std::pair<std::string, std::string>> files = {
      {"garbage.json", "this is not json"},
      {"truncated.json", Truncated("binary.json", 200)},
      {"truncated.ubj", Truncated("binary.ubj", 100)},
      {"garbage.bst", std::string(64, '\x07')},
      {"truncated.bst", Truncated("binary.bst", 100)},
      {"empty.bst", ""},
  };
  for (const auto& [name, content] : files) {
    SCOPED_TRACE(name);
    WriteFile(dir / name, content);
    absl::StatusOr<ModelPtr> model = LoadModelAt(dir / name);
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(model.status()),
                HasSubstr(fmt::format("cannot load XGBoost model '{}': ", (dir / name).string())));
    // XGBoost's own reason follows, without its timestamp and stack trace.
    EXPECT_THAT(Message(model.status()), ::testing::Not(HasSubstr("Stack trace")));
  }
}

TEST(CorruptModel, MissingFileIsNotFound) {
  absl::StatusOr<ModelPtr> model = LoadModelAt(FreshDir("missing") / "gone.json");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(model.status()), HasSubstr("gone.json' does not exist"));
}

}  // namespace
}  // namespace tensord::runtime::xgboost

// MLServer's client codecs against tensord's single-input models: PandasCodec's columns
// become the feature matrix, NumpyRequestCodec/StringRequestCodec inputs feed the model's
// input whatever their name, and what cannot be assembled is refused naming the column.
#include "serving/mlserver_codecs.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
Tensor Column(std::string name, DataType type, std::vector<T> values, Shape shape = {}) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  if (shape.empty()) shape = {static_cast<int64_t>(values.size()), 1};
  return Tensor{.name = std::move(name),
                .datatype = type,
                .shape = std::move(shape),
                .data = Buffer::FromVector(std::move(bytes))};
}

Tensor Strings(std::string name, std::vector<std::string> values) {
  std::vector<std::byte> bytes;
  for (const std::string& v : values) AppendBytesElement(bytes, v);
  return Tensor{.name = std::move(name),
                .datatype = DataType::kBytes,
                .shape = {static_cast<int64_t>(values.size()), 1},
                .data = Buffer::FromVector(std::move(bytes))};
}

// An XGBoost-like model: one FP32 input [-1, 3] of any name that takes other numbers too.
ModelConfig Xgboost(int64_t features = 3) {
  ModelConfig config{.name = "xgb", .platform = "xgboost"};
  config.inputs.push_back(
      TensorConfig{.name = "input-0",
                   .datatype = DataType::kFp32,
                   .dims = {-1, features},
                   .accept_any_name = true,
                   .accepted_datatypes = {DataType::kFp64, DataType::kInt64, DataType::kInt32}});
  return config;
}

InferRequest Pandas(std::vector<Tensor> columns) {
  InferRequest request;
  request.parameters["content_type"] = std::string("pd");
  request.inputs = std::move(columns);
  return request;
}

template <typename T>
std::vector<T> Values(const Tensor& tensor) {
  std::vector<T> out(tensor.data.size() / sizeof(T));
  std::memcpy(out.data(), tensor.data.data(), tensor.data.size());
  return out;
}

TEST(MlserverCodecs, PandasColumnsBecomeTheFeatureMatrixInRequestOrder) {
  InferRequest request = Pandas({Column<float>("f0", DataType::kFp32, {1, 2}),
                                 Column<float>("f1", DataType::kFp32, {3, 4}),
                                 Column<float>("f2", DataType::kFp32, {5, 6})});
  ASSERT_TRUE(AdaptMlserverCodecs(Xgboost(), request).ok());
  ASSERT_EQ(request.inputs.size(), 1u);
  const Tensor& x = request.inputs[0];
  EXPECT_EQ(x.name, "input-0");
  EXPECT_EQ(x.datatype, DataType::kFp32);
  EXPECT_THAT(x.shape, ElementsAre(2, 3));
  EXPECT_THAT(Values<float>(x), ElementsAre(1, 3, 5, 2, 4, 6));
}

TEST(MlserverCodecs, MixedNumericColumnsAreConvertedToTheInputType) {
  // PandasCodec sends int64 and float64 columns; XGBoost reads both as float32.
  InferRequest request = Pandas({Column<int64_t>("age", DataType::kInt64, {30, 40}),
                                 Column<double>("income", DataType::kFp64, {1.5, 2.5}),
                                 Column<int32_t>("n", DataType::kInt32, {7, 8}, {2})});
  ASSERT_TRUE(AdaptMlserverCodecs(Xgboost(), request).ok());
  EXPECT_EQ(request.inputs[0].datatype, DataType::kFp32);
  EXPECT_THAT(Values<float>(request.inputs[0]), ElementsAre(30, 1.5, 7, 40, 2.5, 8));
}

TEST(MlserverCodecs, SameTypedColumnsKeepTheirType) {
  InferRequest request = Pandas({Column<double>("a", DataType::kFp64, {1, 2}),
                                 Column<double>("b", DataType::kFp64, {3, 4}),
                                 Column<double>("c", DataType::kFp64, {5, 6})});
  ASSERT_TRUE(AdaptMlserverCodecs(Xgboost(), request).ok());
  EXPECT_EQ(request.inputs[0].datatype, DataType::kFp64);
  EXPECT_THAT(Values<double>(request.inputs[0]), ElementsAre(1, 3, 5, 2, 4, 6));
}

TEST(MlserverCodecs, StringColumnsAreInterleaved) {
  ModelConfig config{.name = "text", .platform = "onnxruntime_onnx"};
  config.inputs.push_back(TensorConfig{.name = "T", .datatype = DataType::kBytes, .dims = {-1, 2}});
  InferRequest request = Pandas({Strings("a", {"x", "yy"}), Strings("b", {"zzz", ""})});
  ASSERT_TRUE(AdaptMlserverCodecs(config, request).ok());
  const Tensor& t = request.inputs[0];
  EXPECT_EQ(t.name, "T");
  EXPECT_THAT(t.shape, ElementsAre(2, 2));
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(t.data.bytes(), 4);
  ASSERT_TRUE(elements.ok());
  EXPECT_THAT(*elements, ElementsAre("x", "zzz", "yy", ""));
}

TEST(MlserverCodecs, BadPandasRequestsNameTheColumn) {
  InferRequest three_rows = Pandas({Column<float>("f0", DataType::kFp32, {1, 2}),
                                    Column<float>("f1", DataType::kFp32, {3, 4, 5}),
                                    Column<float>("f2", DataType::kFp32, {5, 6})});
  absl::Status ragged = AdaptMlserverCodecs(Xgboost(), three_rows);
  EXPECT_EQ(ragged.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(ragged), "column 'f1' of the pandas request has 3 rows, but column 'f0' has 2");

  InferRequest two = Pandas(
      {Column<float>("f0", DataType::kFp32, {1}), Column<float>("f1", DataType::kFp32, {3})});
  EXPECT_EQ(Message(AdaptMlserverCodecs(Xgboost(), two)),
            "the pandas request (content_type 'pd') has 2 columns, but model 'xgb' input "
            "'input-0' takes 3 ([-1,3])");

  InferRequest text = Pandas({Column<float>("f0", DataType::kFp32, {1}), Strings("city", {"Oslo"}),
                              Column<float>("f2", DataType::kFp32, {3})});
  EXPECT_EQ(Message(AdaptMlserverCodecs(Xgboost(), text)),
            "column 'city' of the pandas request has datatype BYTES, but model 'xgb' input "
            "'input-0' takes FP32");

  InferRequest wide = Pandas({Column<float>("f0", DataType::kFp32, {1, 2}, {1, 2}),
                              Column<float>("f1", DataType::kFp32, {3}),
                              Column<float>("f2", DataType::kFp32, {5})});
  EXPECT_THAT(Message(AdaptMlserverCodecs(Xgboost(), wide)),
              HasSubstr("column 'f0' of the pandas request (content_type 'pd') has shape [1,2]; "
                        "a column is [rows] or [rows, 1]"));

  InferRequest short_data = Pandas({Column<float>("f0", DataType::kFp32, {1}, {2, 1}),
                                    Column<float>("f1", DataType::kFp32, {3, 4}),
                                    Column<float>("f2", DataType::kFp32, {5, 6})});
  EXPECT_THAT(Message(AdaptMlserverCodecs(Xgboost(), short_data)), HasSubstr("input 'f0'"));
}

TEST(MlserverCodecs, MixedTypesForAModelWithoutConversionsAreRefused) {
  ModelConfig config{.name = "onnx", .platform = "onnxruntime_onnx"};
  config.inputs.push_back(TensorConfig{.name = "x",
                                       .datatype = DataType::kInt64,
                                       .dims = {-1, 2},
                                       .accepted_datatypes = {DataType::kInt32}});
  InferRequest request = Pandas(
      {Column<int64_t>("a", DataType::kInt64, {1}), Column<int32_t>("b", DataType::kInt32, {2})});
  EXPECT_EQ(Message(AdaptMlserverCodecs(config, request)),
            "the columns of the pandas request have different datatypes ('a' is INT64, 'b' is "
            "INT32), but model 'onnx' input 'x' takes INT64 only");
}

TEST(MlserverCodecs, PythonModelsAndMultiInputModelsAreLeftAlone) {
  ModelConfig python = Xgboost();
  python.platform = "python";
  InferRequest request = Pandas(
      {Column<float>("f0", DataType::kFp32, {1}), Column<float>("f1", DataType::kFp32, {2})});
  ASSERT_TRUE(AdaptMlserverCodecs(python, request).ok());
  EXPECT_EQ(request.inputs.size(), 2u);

  ModelConfig two = Xgboost();
  two.inputs.push_back(two.inputs.front());
  ASSERT_TRUE(AdaptMlserverCodecs(two, request).ok());
  EXPECT_EQ(request.inputs.size(), 2u);
}

TEST(MlserverCodecs, AMatrixSentAsPandasPassesUnchanged) {
  InferRequest request =
      Pandas({Column<float>("input-0", DataType::kFp32, {1, 2, 3, 4, 5, 6}, {2, 3})});
  ASSERT_TRUE(AdaptMlserverCodecs(Xgboost(), request).ok());
  EXPECT_THAT(request.inputs[0].shape, ElementsAre(2, 3));
}

TEST(MlserverCodecs, AOneColumnFrameFeedsAOneFeatureOrRankOneInput) {
  ModelConfig one_feature{.name = "onnx", .platform = "onnxruntime_onnx"};
  one_feature.inputs.push_back(
      TensorConfig{.name = "x", .datatype = DataType::kFp32, .dims = {-1, 1}});
  InferRequest request = Pandas({Column<float>("age", DataType::kFp32, {1, 2})});
  ASSERT_TRUE(AdaptMlserverCodecs(one_feature, request).ok());
  EXPECT_EQ(request.inputs[0].name, "x");
  EXPECT_THAT(request.inputs[0].shape, ElementsAre(2, 1));

  ModelConfig rank_one{.name = "onnx", .platform = "onnxruntime_onnx"};
  rank_one.inputs.push_back(TensorConfig{.name = "x", .datatype = DataType::kFp32, .dims = {-1}});
  InferRequest column = Pandas({Column<float>("age", DataType::kFp32, {1, 2, 3})});
  ASSERT_TRUE(AdaptMlserverCodecs(rank_one, column).ok());
  EXPECT_EQ(column.inputs[0].name, "x");
  EXPECT_THAT(column.inputs[0].shape, ElementsAre(3));
  EXPECT_THAT(Values<float>(column.inputs[0]), ElementsAre(1, 2, 3));

  InferRequest two =
      Pandas({Column<float>("a", DataType::kFp32, {1}), Column<float>("b", DataType::kFp32, {2})});
  EXPECT_EQ(Message(AdaptMlserverCodecs(rank_one, two)),
            "the pandas request (content_type 'pd') sends 2 columns, but model 'onnx' input 'x' "
            "has shape [-1]: columns are assembled only into a [rows, columns] input");
}

TEST(MlserverCodecs, BoolColumnsConvertForXgboost) {
  ModelConfig config = Xgboost(2);
  config.inputs[0].accepted_datatypes.push_back(DataType::kBool);
  std::vector<std::byte> flags{std::byte{1}, std::byte{0}};
  InferRequest request = Pandas({Tensor{.name = "flag",
                                        .datatype = DataType::kBool,
                                        .shape = {2, 1},
                                        .data = Buffer::FromVector(std::move(flags))},
                                 Column<double>("v", DataType::kFp64, {0.5, 1.5})});
  ASSERT_TRUE(AdaptMlserverCodecs(config, request).ok());
  EXPECT_EQ(request.inputs[0].datatype, DataType::kFp32);
  EXPECT_THAT(Values<float>(request.inputs[0]), ElementsAre(1, 0.5, 0, 1.5));
}

TEST(MlserverCodecs, SingleInputCodecsFeedTheModelsInput) {
  ModelConfig config{.name = "text_upper", .platform = "onnxruntime_onnx"};
  config.inputs.push_back(TensorConfig{.name = "TEXT", .datatype = DataType::kBytes, .dims = {-1}});
  InferRequest request;
  request.inputs.push_back(Strings("input-1", {"a", "b"}));
  request.inputs[0].parameters["content_type"] = std::string("str");
  ASSERT_TRUE(AdaptMlserverCodecs(config, request).ok());
  EXPECT_EQ(request.inputs[0].name, "TEXT");
  EXPECT_THAT(request.inputs[0].shape, ElementsAre(2));

  // Without a content type the request is the client's to get right.
  InferRequest plain;
  plain.inputs.push_back(Strings("input-1", {"a"}));
  ASSERT_TRUE(AdaptMlserverCodecs(config, plain).ok());
  EXPECT_EQ(plain.inputs[0].name, "input-1");
}

}  // namespace
}  // namespace tensord

// Triton's binary tensor data extension on the request side: inputs taken from the bytes
// after the JSON header, and the raw binary request (Inference-Header-Content-Length: 0).
#include <cstring>

#include "fmt/format.h"
#include "frontend/http/json_request_codec.h"
#include "frontend/http/raw_request_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string Bytes(std::initializer_list<T> values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

template <typename T>
std::vector<T> Values(const Tensor& tensor) {
  std::vector<T> values(tensor.data.size() / sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) values[i] = tensor.data.Read<T>(i);
  return values;
}

struct Body {
  std::shared_ptr<PaddedBuffer> buffer;
  size_t header_length;
};
Body JsonThenBinary(std::string_view json, std::string_view binary) {
  auto buffer = std::make_shared<PaddedBuffer>(std::string(json) + std::string(binary));
  return {buffer, json.size()};
}

absl::StatusOr<std::unique_ptr<InferRequest>> Decode(std::string_view json,
                                                     std::string_view binary) {
  Body body = JsonThenBinary(json, binary);
  return DecodeInferRequest(body.buffer, {.header_length = body.header_length});
}

void ExpectInvalid(std::string_view json, std::string_view binary, std::string_view message) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request = Decode(json, binary);
  ASSERT_FALSE(request.ok()) << json;
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(request.status().message()), HasSubstr(message)) << json;
}

std::string BinaryInput(std::string_view datatype, std::string_view shape, int64_t size) {
  return fmt::format(
      R"({{"inputs":[{{"name":"x","shape":{},"datatype":"{}","parameters":{{"binary_data_size":{}}}}}]}})",
      shape, datatype, size);
}

TEST(BinaryData, InputsViewTheBodyInOrder) {
  const std::string json = R"({"inputs":[
      {"name":"a","shape":[2,2],"datatype":"UINT32","parameters":{"binary_data_size":16}},
      {"name":"j","shape":[1],"datatype":"INT8","data":[-3]},
      {"name":"b","shape":[3],"datatype":"BOOL","parameters":{"binary_data_size":3}}],
    "outputs":[{"name":"y","parameters":{"binary_data":true}}]})";
  Body body = JsonThenBinary(json, Bytes<uint32_t>({1, 2, 3, 4}) + std::string("\x01\x00\x01", 3));
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      DecodeInferRequest(body.buffer, {.header_length = body.header_length});
  ASSERT_TRUE(request.ok()) << request.status();
  const std::vector<Tensor>& inputs = (*request)->inputs;
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_THAT(Values<uint32_t>(inputs[0]), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(Values<int8_t>(inputs[1]), ElementsAre(-3));
  EXPECT_THAT(Values<uint8_t>(inputs[2]), ElementsAre(1, 0, 1));
  // No copy: the tensors view the body and keep it alive.
  const char* start = body.buffer->data();
  EXPECT_EQ(reinterpret_cast<const char*>(inputs[0].data.data()), start + json.size());
  EXPECT_EQ(reinterpret_cast<const char*>(inputs[2].data.data()), start + json.size() + 16);
  body.buffer.reset();
  EXPECT_THAT(Values<uint32_t>(inputs[0]), ElementsAre(1, 2, 3, 4));
}

TEST(BinaryData, BytesInputsUseLengthPrefixes) {
  const std::string binary = std::string("\x02\x00\x00\x00hi\x00\x00\x00\x00", 10);
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      Decode(BinaryInput("BYTES", "[2]", 10), binary);
  ASSERT_TRUE(request.ok()) << request.status();
  absl::StatusOr<std::vector<std::string_view>> elements =
      SplitBytesElements((*request)->inputs[0].data.bytes(), 2);
  ASSERT_TRUE(elements.ok());
  EXPECT_THAT(*elements, ElementsAre("hi", ""));
}

TEST(BinaryData, RejectsBytesPrefixesPastTheData) {
  ExpectInvalid(BinaryInput("BYTES", "[1]", 6), std::string("\x64\x00\x00\x00hi", 6),
                "input 'x': BYTES element 0 has length 100, which runs past the end of the data");
  ExpectInvalid(BinaryInput("BYTES", "[2]", 6), std::string("\x02\x00\x00\x00hi", 6),
                "input 'x': BYTES data holds 1 elements but the shape needs 2");
  ExpectInvalid(BinaryInput("BYTES", "[1]", 3), std::string("\x02\x00\x00", 3),
                "input 'x': BYTES data has a truncated length prefix at byte 0");
}

TEST(BinaryData, RejectsSizesPastTheEndOfTheBody) {
  ExpectInvalid(BinaryInput("FP32", "[4]", 16), Bytes<float>({1, 2}),
                "input 'x': binary_data_size 16 runs past the end of the body (8 bytes of "
                "binary data left)");
  ExpectInvalid(
      R"({"inputs":[
      {"name":"a","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":4}},
      {"name":"b","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]})",
      Bytes<float>({1, 2}),
      "input 'b': binary_data_size 8 runs past the end of the body (4 bytes of binary data left)");
}

TEST(BinaryData, RejectsSizesThatDoNotAddUpToTheTail) {
  ExpectInvalid(BinaryInput("FP32", "[2]", 8), Bytes<float>({1, 2, 3}),
                "the body holds 12 bytes of binary data after the JSON header but the inputs' "
                "binary_data_size parameters add up to 8");
  ExpectInvalid(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]})", "junk",
                "the body holds 4 bytes of binary data after the JSON header but the inputs' "
                "binary_data_size parameters add up to 0");
}

TEST(BinaryData, RejectsSizesThatDoNotMatchTheShape) {
  ExpectInvalid(BinaryInput("FP32", "[2,2]", 12), Bytes<float>({1, 2, 3}),
                "input 'x': data has 12 bytes but shape [2,2] needs 4 elements of 4 bytes (FP32)");
}

TEST(BinaryData, RejectsAHeaderLengthLargerThanTheBody) {
  auto body = std::make_shared<PaddedBuffer>(std::string(R"({"inputs":[]})"));
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      DecodeInferRequest(body, {.header_length = 100});
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(std::string(request.status().message()),
            "Inference-Header-Content-Length is 100 but the body has only 13 bytes");
  // A header length that cuts the JSON short is malformed JSON.
  request = DecodeInferRequest(body, {.header_length = 5});
  ASSERT_FALSE(request.ok());
  EXPECT_THAT(std::string(request.status().message()), HasSubstr("malformed JSON"));
}

TEST(BinaryData, RejectsDataTogetherWithBinaryDataSize) {
  ExpectInvalid(
      R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1],"parameters":{"binary_data_size":4}}]})",
      Bytes<float>({1}), "input 'x' has both 'data' and the 'binary_data_size' parameter");
}

TEST(BinaryData, RejectsBadBinaryDataSizes) {
  for (std::string_view size : {"-4", "4.5", "\"4\"", "true"}) {
    ExpectInvalid(fmt::format(R"({{"inputs":[{{"name":"x","shape":[1],"datatype":"FP32",)"
                              R"("parameters":{{"binary_data_size":{}}}}}]}})",
                              size),
                  Bytes<float>({1}),
                  "input 'x': parameter 'binary_data_size' must be a non-negative integer");
  }
}

TEST(BinaryData, RejectsBinaryDataSizeWithoutTheHeader) {
  auto body = std::make_shared<PaddedBuffer>(BinaryInput("FP32", "[1]", 4));
  absl::StatusOr<std::unique_ptr<InferRequest>> request = DecodeInferRequest(body, {});
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(std::string(request.status().message()),
            "input 'x' has the 'binary_data_size' parameter but the request has no "
            "Inference-Header-Content-Length header");
}

ModelConfig OneInputModel(DataType type, Shape dims, int64_t max_batch_size = 0) {
  ModelConfig config{.name = "m", .max_batch_size = max_batch_size};
  config.inputs.push_back({.name = "in", .datatype = type, .dims = std::move(dims)});
  config.outputs.push_back({.name = "out", .datatype = type, .dims = {-1}});
  return config;
}

absl::StatusOr<std::unique_ptr<InferRequest>> DecodeRaw(std::string_view body,
                                                        const ModelConfig& config) {
  return DecodeRawInferRequest(std::make_shared<PaddedBuffer>(body), config);
}

void ExpectRawInvalid(std::string_view body, const ModelConfig& config, std::string_view message) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request = DecodeRaw(body, config);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(request.status().message()),
              HasSubstr("raw binary request (Inference-Header-Content-Length: 0) to model 'm': "));
  EXPECT_THAT(std::string(request.status().message()), HasSubstr(message));
}

TEST(RawBinaryRequest, DeducesTheVariableDimensionAndViewsTheBody) {
  auto body = std::make_shared<PaddedBuffer>(Bytes<float>({1, 2, 3, 4, 5, 6}));
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      DecodeRawInferRequest(body, OneInputModel(DataType::kFp32, {2, -1}));
  ASSERT_TRUE(request.ok()) << request.status();
  const Tensor& input = (*request)->inputs.at(0);
  EXPECT_EQ(input.name, "in");
  EXPECT_THAT(input.shape, ElementsAre(2, 3));
  EXPECT_EQ(reinterpret_cast<const char*>(input.data.data()), body->data());
  EXPECT_THAT(Values<float>(input), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_TRUE((*request)->outputs.empty());
  EXPECT_EQ(std::get<bool>((*request)->parameters.at("binary_data_output")), true);
}

TEST(RawBinaryRequest, BatchedModelsGetABatchOfOne) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      DecodeRaw(Bytes<int32_t>({7, 8, 9}), OneInputModel(DataType::kInt32, {-1}, 8));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT((*request)->inputs[0].shape, ElementsAre(1, 3));
  request = DecodeRaw(Bytes<int32_t>({7, 8, 9}), OneInputModel(DataType::kInt32, {3}, 8));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT((*request)->inputs[0].shape, ElementsAre(1, 3));
}

TEST(RawBinaryRequest, BytesInputIsOneElement) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      DecodeRaw("hello", OneInputModel(DataType::kBytes, {-1}, 4));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT((*request)->inputs[0].shape, ElementsAre(1, 1));
  absl::StatusOr<std::vector<std::string_view>> elements =
      SplitBytesElements((*request)->inputs[0].data.bytes(), 1);
  ASSERT_TRUE(elements.ok());
  EXPECT_THAT(*elements, ElementsAre("hello"));
  ExpectRawInvalid("hello", OneInputModel(DataType::kBytes, {2}),
                   "BYTES input 'in' must hold exactly one element, its shape is [2]");
}

TEST(RawBinaryRequest, RejectsModelsAndBodiesItCannotDescribe) {
  ModelConfig two_inputs = OneInputModel(DataType::kFp32, {-1});
  two_inputs.inputs.push_back({.name = "in2", .datatype = DataType::kFp32, .dims = {1}});
  ExpectRawInvalid(Bytes<float>({1}), two_inputs,
                   "the model must have exactly one input, it has 2");
  ExpectRawInvalid(Bytes<float>({1}), OneInputModel(DataType::kFp32, {-1, -1}),
                   "input 'in' has shape [-1,-1] with more than one variable dimension");
  ExpectRawInvalid(std::string(6, 'x'), OneInputModel(DataType::kFp32, {-1}),
                   "a body of 6 bytes does not fit input 'in' of shape [-1] (FP32)");
  ExpectRawInvalid(Bytes<float>({1, 2, 3}), OneInputModel(DataType::kFp32, {2, -1}),
                   "a body of 12 bytes does not fit input 'in' of shape [2,-1] (FP32)");
  ExpectRawInvalid(Bytes<float>({1, 2, 3}), OneInputModel(DataType::kFp32, {4}),
                   "a body of 12 bytes does not fit input 'in' of shape [4] (FP32)");
  ExpectRawInvalid(Bytes<float>({1}), OneInputModel(DataType::kFp32, {0, -1}),
                   "a body of 4 bytes does not fit input 'in' of shape [0,-1] (FP32)");
}

}  // namespace
}  // namespace tensord::http

#include "frontend/http/json_response_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "fmt/format.h"
#include "frontend/http/json_request_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::HasSubstr;

template <typename T>
Tensor MakeTensor(std::string name, DataType type, Shape shape, const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor{.name = std::move(name),
                .datatype = type,
                .shape = std::move(shape),
                .data = Buffer::FromVector(std::move(bytes))};
}

Tensor MakeBytes(std::string name, const std::vector<std::string>& values) {
  std::vector<std::byte> bytes;
  for (const std::string& value : values) AppendBytesElement(bytes, value);
  return Tensor{.name = std::move(name),
                .datatype = DataType::kBytes,
                .shape = {static_cast<int64_t>(values.size())},
                .data = Buffer::FromVector(std::move(bytes))};
}

std::string EncodeJson(InferResponse response, OutputFormat format = {}) {
  absl::StatusOr<EncodedResponse> encoded = EncodeInferResponse(response, format);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (!encoded.ok()) return "";
  EXPECT_EQ(encoded->header_length, std::nullopt);
  return encoded->body;
}

std::string EncodeOne(Tensor tensor) {
  InferResponse response{.model_name = "m", .model_version = "1"};
  response.outputs.push_back(std::move(tensor));
  return EncodeJson(std::move(response));
}

TEST(JsonResponseCodec, WritesTheProtocolFields) {
  InferResponse response{.model_name = "mlp", .model_version = "2", .id = "req-1"};
  response.parameters["sequence_end"] = true;
  response.outputs.push_back(MakeTensor<float>("y", DataType::kFp32, {1, 2}, {0.5f, -1.0f}));
  EXPECT_EQ(EncodeJson(response),
            R"({"model_name":"mlp","model_version":"2","id":"req-1",)"
            R"("parameters":{"sequence_end":true},)"
            R"("outputs":[{"name":"y","datatype":"FP32","shape":[1,2],"data":[0.5,-1]}]})");
}

TEST(JsonResponseCodec, OmitsAnEmptyIdAndParameters) {
  InferResponse response{.model_name = "m", .model_version = ""};
  response.outputs.push_back(MakeTensor<int32_t>("y", DataType::kInt32, {0}, {}));
  EXPECT_EQ(EncodeJson(response), R"({"model_name":"m","model_version":"","outputs":[)"
                                  R"({"name":"y","datatype":"INT32","shape":[0],"data":[]}]})");
}

TEST(JsonResponseCodec, WritesEveryDatatype) {
  EXPECT_THAT(EncodeOne(MakeTensor<uint8_t>("b", DataType::kBool, {3}, {1, 0, 2})),
              HasSubstr(R"("data":[true,false,true])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint8_t>("u", DataType::kUint8, {2}, {0, 255})),
              HasSubstr(R"("data":[0,255])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint16_t>("u", DataType::kUint16, {1}, {65535})),
              HasSubstr(R"("data":[65535])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint32_t>("u", DataType::kUint32, {1}, {4294967295u})),
              HasSubstr(R"("data":[4294967295])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint64_t>("u", DataType::kUint64, {1},
                                             {std::numeric_limits<uint64_t>::max()})),
              HasSubstr(R"("data":[18446744073709551615])"));
  EXPECT_THAT(EncodeOne(MakeTensor<int8_t>("i", DataType::kInt8, {2}, {-128, 127})),
              HasSubstr(R"("data":[-128,127])"));
  EXPECT_THAT(EncodeOne(MakeTensor<int16_t>("i", DataType::kInt16, {1}, {-32768})),
              HasSubstr(R"("data":[-32768])"));
  EXPECT_THAT(EncodeOne(MakeTensor<int32_t>("i", DataType::kInt32, {1}, {-2147483647 - 1})),
              HasSubstr(R"("data":[-2147483648])"));
  EXPECT_THAT(EncodeOne(MakeTensor<int64_t>("i", DataType::kInt64, {1},
                                            {std::numeric_limits<int64_t>::min()})),
              HasSubstr(R"("data":[-9223372036854775808])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint16_t>("h", DataType::kFp16, {3}, {0x3c00, 0x2e66, 0x0001})),
              HasSubstr(R"("data":[1,0.099975586,5.9604645e-08])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint16_t>("h", DataType::kBf16, {2}, {0x3f80, 0xc060})),
              HasSubstr(R"("data":[1,-3.5])"));
  EXPECT_THAT(EncodeOne(MakeTensor<float>("f", DataType::kFp32, {3}, {0.1f, 1e-45f, 3e38f})),
              HasSubstr(R"("data":[0.1,1e-45,3e+38])"));
  EXPECT_THAT(EncodeOne(MakeTensor<double>("d", DataType::kFp64, {2}, {0.1, 1e300})),
              HasSubstr(R"("data":[0.1,1e+300])"));
  EXPECT_THAT(EncodeOne(MakeBytes("s", {"abc", ""})), HasSubstr(R"("data":["abc",""])"));
}

TEST(JsonResponseCodec, WritesNanAndInfinityAsPythonDoes) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THAT(EncodeOne(MakeTensor<float>("f", DataType::kFp32, {3},
                                          {std::numeric_limits<float>::quiet_NaN(), inf, -inf})),
              HasSubstr(R"("data":[NaN,Infinity,-Infinity])"));
  EXPECT_THAT(EncodeOne(MakeTensor<uint16_t>("h", DataType::kFp16, {2}, {0x7c00, 0x7e00})),
              HasSubstr(R"("data":[Infinity,NaN])"));
}

TEST(JsonResponseCodec, EscapesBytes) {
  EXPECT_THAT(EncodeOne(MakeBytes("s", {std::string("q\"b\\s/\n\t\x01\x1f\x7f", 11)})),
              HasSubstr(R"("data":["q\"b\\s/\n\t\u0001\u001f)"
                        "\x7f"
                        R"("])"));
  // Valid UTF-8 passes through; bytes that are not UTF-8 become U+FFFD.
  EXPECT_THAT(EncodeOne(MakeBytes("s", {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"})),
              HasSubstr("\"data\":[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]"));
  EXPECT_THAT(EncodeOne(MakeBytes("s", {"a\xff"
                                        "b\xc3",
                                        "\xed\xa0\x80", "\xc0\xaf"})),
              HasSubstr(R"("data":["a\ufffdb\ufffd","\ufffd\ufffd\ufffd","\ufffd\ufffd"])"));
  // Names are escaped too.
  EXPECT_THAT(EncodeOne(MakeTensor<uint8_t>("a\"b", DataType::kUint8, {1}, {1})),
              HasSubstr(R"("name":"a\"b")"));
}

// Encodes `values` as an output, then decodes the text as request data: every value must
// come back bit for bit.
template <typename T>
void ExpectRoundTrip(DataType type, const std::vector<T>& values) {
  const std::string json =
      EncodeOne(MakeTensor<T>("x", type, {static_cast<int64_t>(values.size())}, values));
  const size_t data_at = json.find("\"data\":");
  ASSERT_NE(data_at, std::string::npos);
  const std::string data = json.substr(data_at + 7, json.size() - (data_at + 7) - 3);
  const std::string request =
      fmt::format(R"({{"inputs":[{{"name":"x","shape":[{}],"datatype":"{}","data":{}}}]}})",
                  values.size(), DataTypeName(type), data);
  absl::StatusOr<std::unique_ptr<InferRequest>> decoded =
      DecodeInferRequest(std::make_shared<PaddedBuffer>(request), {});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const Buffer& bytes = (*decoded)->inputs[0].data;
  ASSERT_EQ(bytes.size(), values.size() * sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(std::memcmp(bytes.data() + i * sizeof(T), &values[i], sizeof(T)), 0)
        << "element " << i << " of " << DataTypeName(type);
  }
}

TEST(JsonResponseCodec, FloatsRoundTripExactly) {
  std::mt19937_64 random(42);
  std::vector<float> floats = {0.1f,
                               1.0f / 3,
                               std::numeric_limits<float>::min(),
                               std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::max(),
                               -0.0f,
                               16777217.0f};
  std::vector<double> doubles = {0.1,
                                 1.0 / 3,
                                 std::numeric_limits<double>::min(),
                                 std::numeric_limits<double>::denorm_min(),
                                 std::numeric_limits<double>::max(),
                                 -0.0};
  std::vector<uint16_t> halves, bfloats;
  while (floats.size() < 20000) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(random()));
    if (std::isfinite(f)) floats.push_back(f);
  }
  while (doubles.size() < 20000) {
    const double d = std::bit_cast<double>(random());
    if (std::isfinite(d)) doubles.push_back(d);
  }
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    if ((bits & 0x7c00) != 0x7c00) halves.push_back(static_cast<uint16_t>(bits));
    if ((bits & 0x7f80) != 0x7f80) bfloats.push_back(static_cast<uint16_t>(bits));
  }
  ExpectRoundTrip<float>(DataType::kFp32, floats);
  ExpectRoundTrip<double>(DataType::kFp64, doubles);
  ExpectRoundTrip<uint16_t>(DataType::kFp16, halves);
  ExpectRoundTrip<uint16_t>(DataType::kBf16, bfloats);
}

TEST(JsonResponseCodec, WritesBinaryOutputsAfterTheJson) {
  InferResponse response{.model_name = "m", .model_version = "1"};
  response.outputs.push_back(MakeTensor<float>("a", DataType::kFp32, {2}, {1.0f, 2.0f}));
  response.outputs.push_back(MakeTensor<int32_t>("b", DataType::kInt32, {1}, {7}));
  response.outputs.push_back(MakeBytes("c", {"hi"}));
  OutputFormat format{.binary_default = true, .binary = {{"b", false}}};
  absl::StatusOr<EncodedResponse> encoded = EncodeInferResponse(response, format);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_TRUE(encoded->header_length.has_value());
  const std::string json = encoded->body.substr(0, *encoded->header_length);
  EXPECT_EQ(json,
            R"({"model_name":"m","model_version":"1","outputs":[)"
            R"({"name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}},)"
            R"({"name":"b","datatype":"INT32","shape":[1],"data":[7]},)"
            R"({"name":"c","datatype":"BYTES","shape":[1],"parameters":{"binary_data_size":6}}]})");
  std::string tail(8, '\0');
  const float floats[] = {1.0f, 2.0f};
  std::memcpy(tail.data(), floats, 8);
  tail += std::string("\x02\x00\x00\x00hi", 6);
  EXPECT_EQ(encoded->body.substr(*encoded->header_length), tail);
}

TEST(JsonResponseCodec, OutputFormatReadsBinaryParameters) {
  InferRequest request;
  request.parameters["binary_data_output"] = true;
  request.outputs.push_back({.name = "y", .parameters = {{"binary_data", false}}});
  request.outputs.push_back({.name = "z"});
  OutputFormat format = OutputFormatFor(request);
  EXPECT_FALSE(format.IsBinary("y"));
  EXPECT_TRUE(format.IsBinary("z"));
  EXPECT_TRUE(format.IsBinary("other"));
  EXPECT_FALSE(OutputFormatFor(InferRequest{}).IsBinary("y"));
}

TEST(JsonResponseCodec, RejectsOutputsWhoseDataDoesNotMatchTheShape) {
  InferResponse response{.model_name = "m"};
  response.outputs.push_back(MakeTensor<float>("y", DataType::kFp32, {3}, {1.0f}));
  absl::StatusOr<EncodedResponse> encoded = EncodeInferResponse(response, {});
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(encoded.status().message()), HasSubstr("output 'y': data has 4 bytes"));
}

TEST(JsonResponseCodec, WritesMetadata) {
  const std::vector<std::string> extensions = {"binary_tensor_data"};
  EXPECT_EQ(EncodeServerMetadata("tensord", "0.1.0", extensions),
            R"({"name":"tensord","version":"0.1.0","extensions":["binary_tensor_data"]})");
  ModelMetadata metadata{.name = "mlp",
                         .versions = {"1", "2"},
                         .platform = "onnxruntime_onnx",
                         .inputs = {{"x", DataType::kFp32, {-1, 4}}},
                         .outputs = {{"y", DataType::kInt64, {-1}}}};
  EXPECT_EQ(EncodeModelMetadata(metadata),
            R"({"name":"mlp","versions":["1","2"],"platform":"onnxruntime_onnx",)"
            R"("inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],)"
            R"("outputs":[{"name":"y","datatype":"INT64","shape":[-1]}]})");
}

}  // namespace
}  // namespace tensord::http

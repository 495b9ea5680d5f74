#include "frontend/http/json_request_codec.h"

#include <cstring>
#include <limits>

#include "core/status_util.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<std::unique_ptr<InferRequest>> Decode(std::string_view body,
                                                     std::optional<size_t> header_length = {}) {
  return DecodeInferRequest(std::make_shared<PaddedBuffer>(body), {.header_length = header_length});
}

// A request with one input "x".
std::string OneInput(std::string_view datatype, std::string_view shape, std::string_view data) {
  return fmt::format(R"({{"inputs":[{{"name":"x","shape":{},"datatype":"{}","data":{}}}]}})", shape,
                     datatype, data);
}

template <typename T>
std::vector<T> Values(const Tensor& tensor) {
  std::vector<T> values(tensor.data.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), tensor.data.data(), tensor.data.size());
  return values;
}

template <typename T>
std::vector<T> DecodeValues(std::string_view datatype, std::string_view shape,
                            std::string_view data) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request = Decode(OneInput(datatype, shape, data));
  EXPECT_TRUE(request.ok()) << request.status();
  if (!request.ok()) return {};
  EXPECT_EQ(DataTypeName((*request)->inputs.at(0).datatype), datatype);
  return Values<T>((*request)->inputs.at(0));
}

void ExpectInvalid(std::string_view body, std::string_view message,
                   std::optional<size_t> header_length = {}) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request = Decode(body, header_length);
  ASSERT_FALSE(request.ok()) << body;
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(request.status().message()), HasSubstr(message)) << body;
}

TEST(JsonRequestCodec, DecodesEveryDatatype) {
  EXPECT_THAT(DecodeValues<uint8_t>("BOOL", "[3]", "[true,false,true]"), ElementsAre(1, 0, 1));
  EXPECT_THAT(DecodeValues<uint8_t>("UINT8", "[2]", "[0,255]"), ElementsAre(0, 255));
  EXPECT_THAT(DecodeValues<uint16_t>("UINT16", "[2]", "[1,65535]"), ElementsAre(1, 65535));
  EXPECT_THAT(DecodeValues<uint32_t>("UINT32", "[1]", "[4294967295]"), ElementsAre(4294967295u));
  EXPECT_THAT(DecodeValues<uint64_t>("UINT64", "[2]", "[18446744073709551615, 7]"),
              ElementsAre(std::numeric_limits<uint64_t>::max(), 7));
  EXPECT_THAT(DecodeValues<int8_t>("INT8", "[2]", "[-128,127]"), ElementsAre(-128, 127));
  EXPECT_THAT(DecodeValues<int16_t>("INT16", "[2]", "[-32768,32767]"), ElementsAre(-32768, 32767));
  EXPECT_THAT(DecodeValues<int32_t>("INT32", "[2]", "[-2147483648,2147483647]"),
              ElementsAre(std::numeric_limits<int32_t>::min(), 2147483647));
  EXPECT_THAT(
      DecodeValues<int64_t>("INT64", "[2]", "[-9223372036854775808,9223372036854775807]"),
      ElementsAre(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()));
  EXPECT_THAT(DecodeValues<uint16_t>("FP16", "[5]", "[1, 0.1, -2, 65504, 5.960464477539063e-8]"),
              ElementsAre(0x3c00, 0x2e66, 0xc000, 0x7bff, 0x0001));
  EXPECT_THAT(DecodeValues<uint16_t>("BF16", "[3]", "[1, 0.1, -3.5]"),
              ElementsAre(0x3f80, 0x3dcd, 0xc060));
  EXPECT_THAT(DecodeValues<float>("FP32", "[4]", "[0.1, 1, -2.5e-3, 3.4028234663852886e38]"),
              ElementsAre(0.1f, 1.0f, -2.5e-3f, std::numeric_limits<float>::max()));
  EXPECT_THAT(DecodeValues<double>("FP64", "[4]", "[0.1, 1e308, 5, -9223372036854775808]"),
              ElementsAre(0.1, 1e308, 5.0, -9223372036854775808.0));
}

TEST(JsonRequestCodec, DecodesBytesAsLengthPrefixedElements) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      Decode(OneInput("BYTES", "[3]", R"(["abc", "", "caf\u00e9\n"])"));
  ASSERT_TRUE(request.ok()) << request.status();
  const Tensor& tensor = (*request)->inputs[0];
  absl::StatusOr<std::vector<std::string_view>> elements =
      SplitBytesElements(tensor.data.bytes(), 3);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_THAT(*elements, ElementsAre("abc", "", "caf\xc3\xa9\n"));
  EXPECT_EQ(tensor.data.size(), 4 + 3 + 4 + 0 + 4 + 6);
}

TEST(JsonRequestCodec, NestedDataFlattensInRowMajorOrder) {
  EXPECT_THAT(DecodeValues<int32_t>("INT32", "[2,2]", "[[1,2],[3,4]]"), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(DecodeValues<int32_t>("INT32", "[2,2,1]", "[[[1],[2]],[[3],[4]]]"),
              ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(DecodeValues<int32_t>("INT32", "[2,2]", "[1,2,3,4]"), ElementsAre(1, 2, 3, 4));
  // Only the total count is checked against the shape.
  EXPECT_THAT(DecodeValues<int32_t>("INT32", "[3]", "[1,[2,[3]]]"), ElementsAre(1, 2, 3));
  EXPECT_THAT(DecodeValues<float>("FP32", "[0]", "[]"), ElementsAre());
  EXPECT_THAT(DecodeValues<float>("FP32", "[]", "[7]"), ElementsAre(7.0f));
}

TEST(JsonRequestCodec, FloatsAcceptIntegersBeyond64Bits) {
  EXPECT_THAT(DecodeValues<double>("FP64", "[2]", R"([100000000000000000000, -1e2])"),
              ElementsAre(1e20, -100.0));
  // Strings that look like big numbers are left alone.
  absl::StatusOr<std::unique_ptr<InferRequest>> request = Decode(
      R"({"id":"123456789012345678901234","inputs":[{"name":"x","shape":[1],"datatype":"FP64",)"
      R"("data":[123456789012345678901234],"parameters":{"s":"\"99999999999999999999"}}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ((*request)->id, "123456789012345678901234");
  EXPECT_EQ(std::get<std::string>((*request)->inputs[0].parameters.at("s")),
            "\"99999999999999999999");
  ExpectInvalid(R"({"inputs":[1e400]})", "malformed JSON in request body");
}

TEST(JsonRequestCodec, IntegersAcceptIntegralDoubles) {
  EXPECT_THAT(DecodeValues<int32_t>("INT32", "[2]", "[3.0, -1e3]"), ElementsAre(3, -1000));
  EXPECT_THAT(DecodeValues<int64_t>("INT64", "[1]", "[9007199254740991.0]"),
              ElementsAre(9007199254740991));
  ExpectInvalid(OneInput("INT64", "[1]", "[1e18]"),
                "input 'x': data element 0 (1e+18) is out of range for INT64");
}

TEST(JsonRequestCodec, ReadsIdParametersAndOutputs) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request = Decode(R"({
    "id": "req-7", "model_name": "ignored",
    "parameters": {"flag": true, "count": 3, "ratio": 0.5, "name": "n"},
    "inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [5],
                "parameters": {"note": "hi"}}],
    "outputs": [{"name": "y", "parameters": {"binary_data": true}}, {"name": "z"}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  const InferRequest& r = **request;
  EXPECT_EQ(r.id, "req-7");
  EXPECT_EQ(r.model_name, "");  // the URL names the model
  EXPECT_EQ(std::get<bool>(r.parameters.at("flag")), true);
  EXPECT_EQ(std::get<int64_t>(r.parameters.at("count")), 3);
  EXPECT_EQ(std::get<double>(r.parameters.at("ratio")), 0.5);
  EXPECT_EQ(std::get<std::string>(r.parameters.at("name")), "n");
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(r.inputs[0].name, "x");
  EXPECT_THAT(r.inputs[0].shape, ElementsAre(1));
  EXPECT_EQ(std::get<std::string>(r.inputs[0].parameters.at("note")), "hi");
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].name, "y");
  EXPECT_EQ(std::get<bool>(r.outputs[0].parameters.at("binary_data")), true);
  EXPECT_EQ(r.outputs[1].name, "z");
  EXPECT_TRUE(r.outputs[1].parameters.empty());
}

TEST(JsonRequestCodec, DecodedTensorsOwnTheirBytes) {
  auto body = std::make_shared<PaddedBuffer>(OneInput("FP32", "[2]", "[1.5, 2.5]"));
  absl::StatusOr<std::unique_ptr<InferRequest>> request = DecodeInferRequest(body, {});
  ASSERT_TRUE(request.ok());
  body.reset();
  EXPECT_THAT(Values<float>((*request)->inputs[0]), ElementsAre(1.5f, 2.5f));
}

TEST(JsonRequestCodec, RejectsMalformedDocuments) {
  ExpectInvalid("{", "malformed JSON in request body");
  ExpectInvalid("", "malformed JSON in request body");
  ExpectInvalid(R"({"inputs":[NaN]})", "malformed JSON in request body");
  ExpectInvalid("[1]", "the request body must be a JSON object");
  ExpectInvalid("{}", "the request has no 'inputs'");
  ExpectInvalid(R"({"inputs":{}})", "'inputs' must be an array");
  ExpectInvalid(R"({"inputs":[1]})", "inputs[0] must be a JSON object");
  ExpectInvalid(R"({"id":5,"inputs":[]})", "'id' must be a string");
}

TEST(JsonRequestCodec, RejectsMissingOrBadInputFields) {
  ExpectInvalid(R"({"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]})",
                "inputs[0] has no 'name'");
  ExpectInvalid(R"({"inputs":[{"name":1,"shape":[1],"datatype":"FP32","data":[1]}]})",
                "inputs[0]: 'name' must be a string");
  ExpectInvalid(R"({"inputs":[{"name":"x","datatype":"FP32","data":[1]}]})",
                "input 'x' has no 'shape'");
  ExpectInvalid(R"({"inputs":[{"name":"x","shape":1,"datatype":"FP32","data":[1]}]})",
                "input 'x': 'shape' must be an array of integers");
  ExpectInvalid(R"({"inputs":[{"name":"x","shape":[1],"data":[1]}]})",
                "input 'x' has no 'datatype'");
  ExpectInvalid(R"({"inputs":[{"name":"x","shape":[1],"datatype":3,"data":[1]}]})",
                "input 'x': 'datatype' must be a string");
  ExpectInvalid(OneInput("FP8", "[1]", "[1]"), "input 'x': unknown datatype 'FP8'");
  ExpectInvalid(OneInput("fp32", "[1]", "[1]"), "input 'x': unknown datatype 'fp32'");
  ExpectInvalid(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32"}]})",
                "input 'x' has no 'data'");
}

TEST(JsonRequestCodec, RejectsBadDimensions) {
  ExpectInvalid(OneInput("FP32", "[1,-2]", "[1]"),
                "input 'x': shape dimension 1 is -2, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", "[1.5]", "[1]"),
                "input 'x': shape dimension 0 is 1.5, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", R"(["2"])", "[1]"),
                "input 'x': shape dimension 0 is a string, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", "[18446744073709551615]", "[1]"),
                "input 'x': shape dimension 0 is 18446744073709551615, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", "[2.0]", "[1,2]"),
                "input 'x': shape dimension 0 is 2, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", "[true]", "[1]"),
                "input 'x': shape dimension 0 is true, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", "[[1]]", "[1]"),
                "input 'x': shape dimension 0 is an array, not a non-negative integer");
  ExpectInvalid(
      OneInput("FP32", "[1, 18446744073709551616]", "[1]"),
      "input 'x': shape dimension 1 is 1.8446744073709552e+19, not a non-negative integer");
  ExpectInvalid(OneInput("FP32", "[4294967296,4294967296]", "[1]"),
                "input 'x': shape [4294967296,4294967296] has too many elements");
}

TEST(JsonRequestCodec, RejectsElementCountsThatDoNotMatchTheShape) {
  ExpectInvalid(OneInput("FP32", "[2,2]", "[1,2,3]"),
                "input 'x': 'data' holds 3 elements but shape [2,2] needs 4");
  ExpectInvalid(OneInput("FP32", "[1]", "[[1],[2]]"),
                "input 'x': 'data' holds 2 elements but shape [1] needs 1");
  // A huge announced shape is compared, never allocated.
  ExpectInvalid(OneInput("FP64", "[1000000000000]", "[1]"),
                "input 'x': 'data' holds 1 elements but shape [1000000000000] needs 1000000000000");
  ExpectInvalid(OneInput("BYTES", "[2]", R"(["a"])"),
                "input 'x': 'data' holds 1 elements but shape [2] needs 2");
}

TEST(JsonRequestCodec, RejectsIntegersOutOfRangeOrWithFractions) {
  ExpectInvalid(OneInput("UINT8", "[2]", "[1,300]"),
                "input 'x': data element 1 (300) is out of range for UINT8");
  ExpectInvalid(OneInput("UINT8", "[1]", "[-1]"),
                "input 'x': data element 0 (-1) is out of range for UINT8");
  ExpectInvalid(OneInput("UINT8", "[2]", "[1.5,2]"),
                "input 'x': data element 0 (1.5) is not an integer, as UINT8 needs");
  ExpectInvalid(OneInput("INT8", "[1]", "[128]"),
                "input 'x': data element 0 (128) is out of range for INT8");
  ExpectInvalid(OneInput("INT16", "[1]", "[-32769]"),
                "input 'x': data element 0 (-32769) is out of range for INT16");
  ExpectInvalid(OneInput("UINT32", "[1]", "[4294967296]"),
                "input 'x': data element 0 (4294967296) is out of range for UINT32");
  ExpectInvalid(OneInput("INT32", "[1]", "[1e10]"),
                "input 'x': data element 0 (10000000000) is out of range for INT32");
  ExpectInvalid(OneInput("INT64", "[1]", "[9223372036854775808]"),
                "input 'x': data element 0 (9223372036854775808) is out of range for INT64");
  // Literals beyond 64 bits still get a message that names the input.
  ExpectInvalid(OneInput("UINT64", "[2]", "[18446744073709551616, 1]"),
                "input 'x': data element 0 (1.8446744073709552e+19) is out of range for UINT64");
  ExpectInvalid(OneInput("INT64", "[2]", "[1, -9223372036854775809]"),
                "input 'x': data element 1 (-9.223372036854776e+18) is out of range for INT64");
  ExpectInvalid(OneInput("UINT64", "[1]", "[-1]"),
                "input 'x': data element 0 (-1) is out of range for UINT64");
  ExpectInvalid(OneInput("INT64", "[2,2]", "[[1,2],[3,0.25]]"),
                "input 'x': data element 3 (0.25) is not an integer, as INT64 needs");
}

TEST(JsonRequestCodec, RejectsFloatsTooLargeForTheirType) {
  ExpectInvalid(OneInput("FP32", "[1]", "[1e39]"),
                "input 'x': data element 0 (1e+39) is out of range for FP32");
  ExpectInvalid(OneInput("FP16", "[2]", "[1, 65520]"),
                "input 'x': data element 1 (65520) is out of range for FP16");
  ExpectInvalid(OneInput("BF16", "[1]", "[-1e39]"),
                "input 'x': data element 0 (-1e+39) is out of range for BF16");
}

TEST(JsonRequestCodec, RejectsDataOfTheWrongJsonType) {
  ExpectInvalid(OneInput("BOOL", "[2]", "[true,1]"),
                "input 'x': data element 1 is a number, but BOOL needs true or false");
  ExpectInvalid(OneInput("FP32", "[1]", R"(["1"])"),
                "input 'x': data element 0 is a string, but FP32 needs a number");
  ExpectInvalid(OneInput("INT32", "[1]", "[null]"),
                "input 'x': data element 0 is null, but INT32 needs a number");
  ExpectInvalid(OneInput("FP64", "[1]", "[{}]"),
                "input 'x': data element 0 is an object, but FP64 needs a number");
  ExpectInvalid(OneInput("UINT8", "[1]", "[true]"),
                "input 'x': data element 0 is a boolean, but UINT8 needs a number");
  ExpectInvalid(OneInput("BYTES", "[2]", R"(["a",2])"),
                "input 'x': data element 1 is a number, but BYTES needs a string");
  ExpectInvalid(OneInput("FP16", "[1]", R"("1")"),
                "input 'x': data element 0 is a string, but FP16 needs a number");
}

TEST(JsonRequestCodec, RejectsBadParametersAndOutputs) {
  ExpectInvalid(R"({"parameters":[],"inputs":[]})", "'parameters' must be a JSON object");
  ExpectInvalid(R"({"parameters":{"p":[1]},"inputs":[]})",
                "parameter 'p' must be a bool, number or string, not an array");
  ExpectInvalid(R"({"parameters":{"p":18446744073709551615},"inputs":[]})",
                "parameter 'p' (18446744073709551615) is out of range for int64");
  ExpectInvalid(R"({"parameters":{"binary_data_output":1},"inputs":[]})",
                "parameter 'binary_data_output' must be true or false");
  ExpectInvalid(
      R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1],"parameters":{"q":null}}]})",
      "input 'x': parameter 'q' must be a bool, number or string, not null");
  ExpectInvalid(R"({"inputs":[],"outputs":{}})", "'outputs' must be an array");
  ExpectInvalid(R"({"inputs":[],"outputs":["y"]})", "outputs[0] must be a JSON object");
  ExpectInvalid(R"({"inputs":[],"outputs":[{"parameters":{}}]})", "outputs[0] has no 'name'");
  ExpectInvalid(R"({"inputs":[],"outputs":[{"name":2}]})", "outputs[0]: 'name' must be a string");
  ExpectInvalid(R"({"inputs":[],"outputs":[{"name":"y","parameters":{"binary_data":"yes"}}]})",
                "output 'y': parameter 'binary_data' must be true or false");
}

TEST(ParseHeaderLength, AcceptsByteCounts) {
  EXPECT_EQ(*ParseHeaderLength(std::nullopt), std::nullopt);
  EXPECT_EQ(*ParseHeaderLength("0"), 0u);
  EXPECT_EQ(*ParseHeaderLength("10"), 10u);
  for (std::string_view bad : {"", "-1", "+1", "1x", " 1", "99999999999999999999999"}) {
    absl::StatusOr<std::optional<size_t>> length = ParseHeaderLength(bad);
    ASSERT_FALSE(length.ok()) << bad;
    EXPECT_EQ(length.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(length.status().message()), HasSubstr("is not a byte count"));
  }
}

TEST(DecodeInferRequest, AHeaderLengthPastTheBodyIsRefused) {
  auto body = std::make_shared<PaddedBuffer>(std::string_view("{\"inputs\":[]}"));
  absl::StatusOr<std::unique_ptr<InferRequest>> past = DecodeInferRequest(body, {.header_length = 99});
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(past.status().message()),
            "Inference-Header-Content-Length is 99 but the body has only 13 bytes");
}

}  // namespace
}  // namespace tensord::http

namespace tensord::http {
namespace {

TEST(JsonRequestCodec, InputsInSharedMemoryCarryNoData) {
  absl::StatusOr<std::unique_ptr<InferRequest>> request = Decode(
      R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","parameters":{)"
      R"("shared_memory_region":"r","shared_memory_byte_size":8}}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  const Tensor& x = (*request)->inputs[0];
  EXPECT_TRUE(x.data.empty());  // the server reads it from the region
  EXPECT_EQ(std::get<std::string>(x.parameters.at("shared_memory_region")), "r");

  absl::StatusOr<std::unique_ptr<InferRequest>> both = Decode(
      R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,2],"parameters":{)"
      R"("shared_memory_region":"r","shared_memory_byte_size":8}}]})");
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(both.status()),
            "input 'x' is in shared memory (parameter 'shared_memory_region'), so it must have "
            "neither 'data' nor 'binary_data_size'");
}

}  // namespace
}  // namespace tensord::http

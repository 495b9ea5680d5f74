#include "frontend/grpc/infer_codec.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::grpc {
namespace {

using inference::ModelInferRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string RawOf(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

ModelInferRequest::InferInputTensor* AddInput(ModelInferRequest& request, const std::string& name,
                                              const std::string& datatype,
                                              std::vector<int64_t> shape) {
  auto* input = request.add_inputs();
  input->set_name(name);
  input->set_datatype(datatype);
  for (int64_t d : shape) input->add_shape(d);
  return input;
}

absl::Status Convert(const ModelInferRequest& request) {
  return RequestFromProto(std::make_shared<ModelInferRequest>(request)).status();
}

void ExpectInvalid(const ModelInferRequest& request, const std::string& fragment) {
  absl::Status status = Convert(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(Message(status)), HasSubstr(fragment));
}

TEST(RequestFromProto, RawInputsViewTheMessage) {
  auto message = std::make_shared<ModelInferRequest>();
  message->set_model_name("m");
  message->set_model_version("2");
  message->set_id("req-1");
  (*message->mutable_parameters())["priority"].set_int64_param(3);
  AddInput(*message, "x", "FP32", {1, 3});
  message->add_raw_input_contents(RawOf<float>({1.5f, -2.0f, 3.25f}));
  auto* output = message->add_outputs();
  output->set_name("y");
  (*output->mutable_parameters())["binary_data"].set_bool_param(true);

  absl::StatusOr<std::unique_ptr<InferRequest>> request = RequestFromProto(message);
  ASSERT_TRUE(request.ok()) << request.status();
  const InferRequest& r = **request;
  EXPECT_EQ(r.model_name, "m");
  EXPECT_EQ(r.model_version, "2");
  EXPECT_EQ(r.id, "req-1");
  EXPECT_EQ(std::get<int64_t>(r.parameters.at("priority")), 3);
  ASSERT_EQ(r.inputs.size(), 1u);
  const Tensor& x = r.inputs[0];
  EXPECT_EQ(x.datatype, DataType::kFp32);
  EXPECT_THAT(x.shape, ElementsAre(1, 3));
  // No copy: the tensor points into the message's bytes and co-owns the message.
  EXPECT_EQ(static_cast<const void*>(x.data.data()),
            static_cast<const void*>(message->raw_input_contents(0).data()));
  EXPECT_EQ(x.data.owner().get(), static_cast<const void*>(message.get()));
  EXPECT_EQ(x.data.Read<float>(2), 3.25f);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].name, "y");
  EXPECT_TRUE(std::get<bool>(r.outputs[0].parameters.at("binary_data")));
}

TEST(RequestFromProto, RawKeepsMessageAliveAfterCallerDropsIt) {
  auto message = std::make_shared<ModelInferRequest>();
  AddInput(*message, "x", "INT32", {2});
  message->add_raw_input_contents(RawOf<int32_t>({7, 8}));
  absl::StatusOr<std::unique_ptr<InferRequest>> request = RequestFromProto(message);
  ASSERT_TRUE(request.ok());
  message.reset();
  EXPECT_EQ((*request)->inputs[0].data.Read<int32_t>(1), 8);
}

TEST(RequestFromProto, RawBytesTensor) {
  ModelInferRequest message;
  AddInput(message, "s", "BYTES", {2});
  std::vector<std::byte> raw;
  AppendBytesElement(raw, "hi");
  AppendBytesElement(raw, "");
  message.add_raw_input_contents(
      std::string(reinterpret_cast<const char*>(raw.data()), raw.size()));
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      RequestFromProto(std::make_shared<ModelInferRequest>(message));
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ((*request)->inputs.size(), 1u);
  const Tensor& s = (*request)->inputs[0];
  EXPECT_EQ(s.datatype, DataType::kBytes);
  EXPECT_THAT(s.shape, ElementsAre(2));
  // The raw form is kept as is: 4-byte little-endian length, then the element's bytes.
  EXPECT_EQ(s.data.size(), 4u + 2u + 4u);
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(s.data.bytes(), 2);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_THAT(*elements, ElementsAre("hi", ""));
}

TEST(RequestFromProto, TypedContentsEveryDatatype) {
  ModelInferRequest message;
  AddInput(message, "b", "BOOL", {2})->mutable_contents()->add_bool_contents(true);
  message.mutable_inputs(0)->mutable_contents()->add_bool_contents(false);
  auto* i8 = AddInput(message, "i8", "INT8", {2})->mutable_contents();
  i8->add_int_contents(-128);
  i8->add_int_contents(127);
  AddInput(message, "i16", "INT16", {1})->mutable_contents()->add_int_contents(-300);
  AddInput(message, "i32", "INT32", {1})->mutable_contents()->add_int_contents(-70000);
  AddInput(message, "i64", "INT64", {1})->mutable_contents()->add_int64_contents(-(1LL << 40));
  AddInput(message, "u8", "UINT8", {1})->mutable_contents()->add_uint_contents(255);
  AddInput(message, "u16", "UINT16", {1})->mutable_contents()->add_uint_contents(65535);
  AddInput(message, "u32", "UINT32", {1})->mutable_contents()->add_uint_contents(4000000000u);
  AddInput(message, "u64", "UINT64", {1})->mutable_contents()->add_uint64_contents(1ULL << 63);
  AddInput(message, "f32", "FP32", {1})->mutable_contents()->add_fp32_contents(0.5f);
  AddInput(message, "f64", "FP64", {1})->mutable_contents()->add_fp64_contents(-0.25);
  auto* s = AddInput(message, "s", "BYTES", {2})->mutable_contents();
  s->add_bytes_contents("abc");
  s->add_bytes_contents(std::string("\0x", 2));

  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      RequestFromProto(std::make_shared<ModelInferRequest>(message));
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& in = (*request)->inputs;
  ASSERT_EQ(in.size(), 12u);
  EXPECT_EQ(in[0].data.size(), 2u);
  EXPECT_EQ(in[0].data.Read<uint8_t>(0), 1);
  EXPECT_EQ(in[0].data.Read<uint8_t>(1), 0);
  EXPECT_EQ(in[1].data.Read<int8_t>(0), -128);
  EXPECT_EQ(in[1].data.Read<int8_t>(1), 127);
  EXPECT_EQ(in[2].data.Read<int16_t>(0), -300);
  EXPECT_EQ(in[3].data.Read<int32_t>(0), -70000);
  EXPECT_EQ(in[4].data.Read<int64_t>(0), -(1LL << 40));
  EXPECT_EQ(in[5].data.Read<uint8_t>(0), 255);
  EXPECT_EQ(in[6].data.Read<uint16_t>(0), 65535);
  EXPECT_EQ(in[7].data.Read<uint32_t>(0), 4000000000u);
  EXPECT_EQ(in[8].data.Read<uint64_t>(0), 1ULL << 63);
  EXPECT_EQ(in[9].data.Read<float>(0), 0.5f);
  EXPECT_EQ(in[10].data.Read<double>(0), -0.25);
  absl::StatusOr<std::vector<std::string_view>> elements =
      SplitBytesElements(in[11].data.bytes(), 2);
  ASSERT_TRUE(elements.ok());
  EXPECT_THAT(*elements, ElementsAre("abc", std::string_view("\0x", 2)));
  for (const Tensor& t : in) EXPECT_TRUE(CheckTensorData(t, "input").ok()) << t.name;
}

TEST(RequestFromProto, Fp16AndBf16RawOnly) {
  ModelInferRequest raw;
  AddInput(raw, "h", "FP16", {2});
  raw.add_raw_input_contents(std::string("\x00\x3c\x00\xc0", 4));  // 1.0, -2.0 as FP16
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      RequestFromProto(std::make_shared<ModelInferRequest>(raw));
  ASSERT_TRUE(request.ok()) << request.status();
  const Tensor& h = (*request)->inputs.at(0);
  EXPECT_EQ(h.datatype, DataType::kFp16);
  EXPECT_THAT(h.shape, ElementsAre(2));
  EXPECT_EQ(h.data.Read<uint16_t>(0), 0x3c00);
  EXPECT_EQ(h.data.Read<uint16_t>(1), 0xc000);

  ModelInferRequest typed;
  AddInput(typed, "h", "BF16", {1})->mutable_contents()->add_fp32_contents(1.0f);
  ExpectInvalid(typed,
                "input 'h': BF16 has no typed contents field; send its data in "
                "raw_input_contents");
}

TEST(RequestFromProto, EmptyTensorNeedsNoContents) {
  ModelInferRequest message;
  AddInput(message, "x", "FP32", {0, 4});
  absl::StatusOr<std::unique_ptr<InferRequest>> request =
      RequestFromProto(std::make_shared<ModelInferRequest>(message));
  ASSERT_TRUE(request.ok()) << request.status();
  const Tensor& x = (*request)->inputs.at(0);
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.datatype, DataType::kFp32);
  EXPECT_THAT(x.shape, ElementsAre(0, 4));
  EXPECT_EQ(x.data.size(), 0u);
}

// ---- bad input: each is InvalidArgument with a message naming the problem ----

TEST(RequestFromProtoErrors, RawCountDiffersFromInputs) {
  ModelInferRequest message;
  AddInput(message, "a", "FP32", {1});
  AddInput(message, "b", "FP32", {1});
  message.add_raw_input_contents(RawOf<float>({1}));
  ExpectInvalid(message, "raw_input_contents has 1 entries but the request has 2 inputs");
}

TEST(RequestFromProtoErrors, RawSizeDiffersFromShape) {
  ModelInferRequest message;
  AddInput(message, "x", "FP32", {2, 2});
  message.add_raw_input_contents(RawOf<float>({1, 2, 3}));
  ExpectInvalid(message,
                "input 'x': data has 12 bytes but shape [2,2] needs 4 elements of 4 "
                "bytes (FP32)");
}

TEST(RequestFromProtoErrors, RawBytesLengthPrefixPastEnd) {
  ModelInferRequest message;
  AddInput(message, "s", "BYTES", {1});
  std::string raw(
      "\x10\x00\x00\x00"
      "abc",
      7);
  message.add_raw_input_contents(raw);
  ExpectInvalid(message, "input 's': BYTES element 0 has length 16, which runs past the end");
}

TEST(RequestFromProtoErrors, RawBytesElementCountDiffers) {
  ModelInferRequest message;
  AddInput(message, "s", "BYTES", {2});
  std::vector<std::byte> raw;
  AppendBytesElement(raw, "one");
  message.add_raw_input_contents(
      std::string(reinterpret_cast<const char*>(raw.data()), raw.size()));
  ExpectInvalid(message, "input 's': BYTES data holds 1 elements but the shape needs 2");
}

TEST(RequestFromProtoErrors, BothRawAndTyped) {
  ModelInferRequest message;
  message.set_model_name("m");
  AddInput(message, "x", "FP32", {1})->mutable_contents()->add_fp32_contents(1);
  message.add_raw_input_contents(RawOf<float>({1}));
  // Triton's words, which its clients match on.
  ExpectInvalid(message,
                "contents field must not be specified when using raw_input_contents for 'x' "
                "for model 'm'");
}

TEST(RequestFromProto, InputsInSharedMemoryTakeNoRawEntry) {
  ModelInferRequest message;
  auto* in_shm = AddInput(message, "a", "FP32", {2});
  (*in_shm->mutable_parameters())["shared_memory_region"].set_string_param("r");
  (*in_shm->mutable_parameters())["shared_memory_byte_size"].set_int64_param(8);
  AddInput(message, "b", "FP32", {1});
  message.add_raw_input_contents(RawOf<float>({5}));
  auto request = RequestFromProto(std::make_shared<ModelInferRequest>(message));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE((*request)->inputs[0].data.empty());  // the server reads it from the region
  EXPECT_EQ((*request)->inputs[1].data.Read<float>(0), 5.0f);

  message.add_raw_input_contents(RawOf<float>({1, 2}));
  ExpectInvalid(message,
                "raw_input_contents has 2 entries but the request has 1 inputs not in shared "
                "memory");
}

TEST(RequestFromProtoErrors, TypedContentsForAnInputInSharedMemory) {
  ModelInferRequest message;
  auto* in_shm = AddInput(message, "a", "FP32", {1});
  (*in_shm->mutable_parameters())["shared_memory_region"].set_string_param("r");
  in_shm->mutable_contents()->add_fp32_contents(1);
  ExpectInvalid(message,
                "input 'a': contents must not be given for an input in shared memory "
                "(parameter 'shared_memory_region')");
}

TEST(RequestFromProtoErrors, TypedWrongField) {
  ModelInferRequest message;
  AddInput(message, "x", "INT32", {1})->mutable_contents()->add_fp32_contents(1);
  ExpectInvalid(message, "input 'x': datatype INT32 takes int_contents, but fp32_contents is set");
}

TEST(RequestFromProtoErrors, TypedCountDiffersFromShape) {
  ModelInferRequest message;
  auto* contents = AddInput(message, "x", "FP64", {3})->mutable_contents();
  contents->add_fp64_contents(1);
  contents->add_fp64_contents(2);
  ExpectInvalid(message, "input 'x': fp64_contents holds 2 elements but the shape needs 3");
}

TEST(RequestFromProtoErrors, NoDataAtAll) {
  ModelInferRequest message;
  AddInput(message, "x", "FP32", {2});
  ExpectInvalid(message, "input 'x': fp32_contents holds 0 elements but the shape needs 2");
}

TEST(RequestFromProtoErrors, TypedValueOutOfRange) {
  ModelInferRequest message;
  AddInput(message, "x", "INT8", {1})->mutable_contents()->add_int_contents(300);
  ExpectInvalid(message, "input 'x': int_contents[0] = 300 is out of range for INT8");
  ModelInferRequest unsigned_message;
  AddInput(unsigned_message, "u", "UINT16", {1})->mutable_contents()->add_uint_contents(70000);
  ExpectInvalid(unsigned_message, "input 'u': uint_contents[0] = 70000 is out of range for UINT16");
}

TEST(RequestFromProtoErrors, UnknownDatatype) {
  ModelInferRequest message;
  AddInput(message, "x", "FP33", {1});
  message.add_raw_input_contents(RawOf<float>({1}));
  ExpectInvalid(message, "input 'x': unknown datatype 'FP33'");
}

TEST(RequestFromProtoErrors, NegativeDimension) {
  ModelInferRequest message;
  AddInput(message, "x", "FP32", {-1, 2});
  message.add_raw_input_contents(RawOf<float>({1, 2}));
  ExpectInvalid(message, "input 'x': ");
}

TEST(RequestFromProtoErrors, ParameterWithoutValue) {
  ModelInferRequest message;
  (*message.mutable_parameters())["empty"];
  ExpectInvalid(message, "request parameter 'empty' has no value");
}

TEST(RequestFromProtoErrors, Uint64ParameterTooLarge) {
  ModelInferRequest message;
  AddInput(message, "x", "FP32", {1})->mutable_contents()->add_fp32_contents(1);
  (*message.mutable_inputs(0)->mutable_parameters())["big"].set_uint64_param(~0ULL);
  ExpectInvalid(message,
                "input 'x' parameter 'big': uint64 value 18446744073709551615 is too large");
}

TEST(ResponseToProto, OutputsGoRaw) {
  InferResponse response;
  response.model_name = "m";
  response.model_version = "1";
  response.id = "abc";
  response.parameters.emplace("sequence", int64_t{4});
  response.parameters.emplace("note", std::string("n"));
  response.parameters.emplace("ratio", 0.5);
  response.parameters.emplace("flag", true);
  std::vector<std::byte> bytes(8);
  const float values[2] = {1.0f, 2.0f};
  std::memcpy(bytes.data(), values, 8);
  response.outputs.push_back(Tensor{.name = "y",
                                    .datatype = DataType::kFp32,
                                    .shape = {1, 2},
                                    .data = Buffer::FromVector(std::move(bytes))});

  inference::ModelInferResponse proto;
  ResponseToProto(std::move(response), &proto);
  EXPECT_EQ(proto.model_name(), "m");
  EXPECT_EQ(proto.model_version(), "1");
  EXPECT_EQ(proto.id(), "abc");
  EXPECT_EQ(proto.parameters().at("sequence").int64_param(), 4);
  EXPECT_EQ(proto.parameters().at("note").string_param(), "n");
  EXPECT_EQ(proto.parameters().at("ratio").double_param(), 0.5);
  EXPECT_TRUE(proto.parameters().at("flag").bool_param());
  ASSERT_EQ(proto.outputs_size(), 1);
  EXPECT_EQ(proto.outputs(0).name(), "y");
  EXPECT_EQ(proto.outputs(0).datatype(), "FP32");
  EXPECT_THAT(proto.outputs(0).shape(), ElementsAre(1, 2));
  EXPECT_FALSE(proto.outputs(0).has_contents());
  ASSERT_EQ(proto.raw_output_contents_size(), 1);
  EXPECT_EQ(proto.raw_output_contents(0), RawOf<float>({1.0f, 2.0f}));
}

}  // namespace
}  // namespace tensord::grpc

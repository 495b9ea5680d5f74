#include "core/request_validation.h"

#include "core/status_util.h"
#include "gtest/gtest.h"

namespace tensord {
namespace {

Tensor Fp32(std::string name, Shape shape) {
  absl::StatusOr<int64_t> count = ElementCount(shape);
  return Tensor{.name = std::move(name),
                .datatype = DataType::kFp32,
                .shape = std::move(shape),
                .data = Buffer::FromVector(std::vector<std::byte>(*count * 4))};
}

ModelConfig BatchedModel() {
  ModelConfig config;
  config.name = "m";
  config.max_batch_size = 8;
  config.inputs = {{.name = "a", .datatype = DataType::kFp32, .dims = {4}},
                   {.name = "b", .datatype = DataType::kFp32, .dims = {-1}}};
  config.outputs = {{.name = "y", .datatype = DataType::kFp32, .dims = {4}}};
  return config;
}

InferRequest Request(std::vector<Tensor> inputs) {
  InferRequest request;
  request.model_name = "m";
  request.inputs = std::move(inputs);
  return request;
}

void ExpectInvalid(const InferRequest& request, std::string_view message) {
  absl::Status status = ValidateInferRequest(BatchedModel(), request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), message);
}

TEST(ValidateInferRequest, AcceptsAWellFormedRequest) {
  InferRequest request = Request({Fp32("a", {3, 4}), Fp32("b", {3, 9})});
  request.outputs.push_back({.name = "y"});
  EXPECT_TRUE(ValidateInferRequest(BatchedModel(), request).ok());
}

TEST(ValidateInferRequest, UnknownInput) {
  ExpectInvalid(Request({Fp32("a", {1, 4}), Fp32("b", {1, 1}), Fp32("c", {1})}),
                "unexpected inference input 'c' for model 'm'");
}

TEST(ValidateInferRequest, DuplicateInput) {
  ExpectInvalid(Request({Fp32("a", {1, 4}), Fp32("a", {1, 4})}),
                "input 'a' appears more than once in the request");
}

TEST(ValidateInferRequest, DuplicatesAreFoundAmongManyNamesToo) {
  // Past a handful of names the check keeps a set: the first and the last of 40 clash.
  ModelConfig config;
  config.name = "open";
  config.any_inputs = true;
  config.any_outputs = true;
  std::vector<Tensor> inputs;
  for (int i = 0; i < 40; ++i) inputs.push_back(Fp32("t" + std::to_string(i), {1}));
  EXPECT_TRUE(ValidateInferRequest(config, Request(inputs)).ok());
  inputs.push_back(Fp32("t0", {1}));
  EXPECT_EQ(Message(ValidateInferRequest(config, Request(inputs))),
            "input 't0' appears more than once in the request");
  InferRequest outputs = Request({});
  for (int i = 0; i < 40; ++i) outputs.outputs.push_back({.name = "o" + std::to_string(i)});
  EXPECT_TRUE(ValidateInferRequest(config, outputs).ok());
  outputs.outputs.push_back({.name = "o39"});
  EXPECT_EQ(Message(ValidateInferRequest(config, outputs)),
            "output 'o39' is requested more than once");
}

TEST(ValidateInferRequest, MissingInput) {
  ExpectInvalid(Request({Fp32("a", {1, 4})}), "missing input 'b' for model 'm'");
}

TEST(ValidateInferRequest, WrongDatatype) {
  Tensor a{.name = "a",
           .datatype = DataType::kFp64,
           .shape = {1, 4},
           .data = Buffer::FromVector(std::vector<std::byte>(32))};
  ExpectInvalid(Request({a, Fp32("b", {1, 1})}),
                "input 'a' has datatype FP64, but model 'm' expects FP32");
}

TEST(ValidateInferRequest, WrongShape) {
  ExpectInvalid(Request({Fp32("a", {1, 5}), Fp32("b", {1, 1})}),
                "input 'a' has shape [1,5], but model 'm' expects [-1,4]");
  ExpectInvalid(Request({Fp32("a", {4}), Fp32("b", {1, 1})}),
                "input 'a' has shape [4], but model 'm' expects [-1,4]");
}

TEST(ValidateInferRequest, BatchSizeLimits) {
  ExpectInvalid(Request({Fp32("a", {9, 4}), Fp32("b", {9, 1})}),
                "input 'a' has batch size 9, but model 'm' accepts 1 to 8");
  ExpectInvalid(Request({Fp32("a", {0, 4}), Fp32("b", {0, 1})}),
                "input 'a' has batch size 0, but model 'm' accepts 1 to 8");
  ExpectInvalid(Request({Fp32("a", {2, 4}), Fp32("b", {3, 1})}),
                "input 'b' has batch size 3, but another input of the request has batch size 2");
}

TEST(ValidateInferRequest, DataSizeMustMatchShape) {
  Tensor a = Fp32("a", {1, 4});
  a.data = Buffer::FromVector(std::vector<std::byte>(12));
  ExpectInvalid(Request({a, Fp32("b", {1, 1})}),
                "input 'a': data has 12 bytes but shape [1,4] needs 4 elements of 4 bytes (FP32)");
}

TEST(ValidateInferRequest, RequestedOutputs) {
  InferRequest request = Request({Fp32("a", {1, 4}), Fp32("b", {1, 1})});
  request.outputs.push_back({.name = "z"});
  ExpectInvalid(request, "unexpected inference output 'z' for model 'm'");
  request.outputs = {{.name = "y"}, {.name = "y"}};
  ExpectInvalid(request, "output 'y' is requested more than once");
}

TEST(ValidateInferRequest, UnbatchedModelsUseFullShapes) {
  ModelConfig config = BatchedModel();
  config.max_batch_size = 0;
  EXPECT_TRUE(ValidateInferRequest(config, Request({Fp32("a", {4}), Fp32("b", {2})})).ok());
  EXPECT_EQ(ValidateInferRequest(config, Request({Fp32("a", {1, 4}), Fp32("b", {2})})).message(),
            "input 'a' has shape [1,4], but model 'm' expects [4]");
}

TEST(ValidateInferRequest, OptionalInputsMayBeLeftOut) {
  ModelConfig config = BatchedModel();
  config.inputs[1].optional = true;
  EXPECT_TRUE(ValidateInferRequest(config, Request({Fp32("a", {1, 4})})).ok());
}

// A model like MLServer's XGBoost runtime: one input under any name, FP32 or FP64.
ModelConfig LenientModel() {
  ModelConfig config;
  config.name = "m";
  config.inputs = {{.name = "input-0",
                    .datatype = DataType::kFp32,
                    .dims = {-1, 4},
                    .accept_any_name = true,
                    .accepted_datatypes = {DataType::kFp64}}};
  return config;
}

TEST(ValidateInferRequest, AnyNameInputTakesAnyNameAndItsAcceptedDatatypes) {
  EXPECT_TRUE(ValidateInferRequest(LenientModel(), Request({Fp32("x", {2, 4})})).ok());
  EXPECT_TRUE(ValidateInferRequest(LenientModel(), Request({Fp32("input-0", {2, 4})})).ok());
  Tensor fp64{.name = "y",
              .datatype = DataType::kFp64,
              .shape = {1, 4},
              .data = Buffer::FromVector(std::vector<std::byte>(32))};
  EXPECT_TRUE(ValidateInferRequest(LenientModel(), Request({fp64})).ok());
}

TEST(ValidateInferRequest, AnyNameInputRejectsOtherDatatypesAndSecondInputs) {
  std::vector<std::byte> bytes;
  AppendBytesElement(bytes, "abc");
  Tensor text{.name = "x",
              .datatype = DataType::kBytes,
              .shape = {1, 1},
              .data = Buffer::FromVector(std::move(bytes))};
  absl::Status status = ValidateInferRequest(LenientModel(), Request({text}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "input 'x' has datatype BYTES, but model 'm' expects one of FP32, FP64");
  status = ValidateInferRequest(LenientModel(), Request({Fp32("x", {1, 4}), Fp32("y", {1, 4})}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "inputs 'x' and 'y' both feed the single input of model 'm'");
  status = ValidateInferRequest(LenientModel(), Request({}));
  EXPECT_EQ(Message(status), "missing input 'input-0' for model 'm'");
}

TEST(ValidateInferRequest, AnyNameNeedsASingleInput) {
  ModelConfig config = BatchedModel();
  config.inputs[0].accept_any_name = true;  // ignored: the model has two inputs
  ExpectInvalid(Request({Fp32("a", {1, 4}), Fp32("b", {1, 1}), Fp32("c", {1})}),
                "unexpected inference input 'c' for model 'm'");
  EXPECT_EQ(Message(ValidateInferRequest(config, Request({Fp32("c", {1, 4})}))),
            "unexpected inference input 'c' for model 'm'");
}

// MLServer custom models that declare no tensors (the python runtime sets any_inputs and
// any_outputs): any names, but the data still has to fit each shape.
TEST(ValidateInferRequest, ModelThatDeclaresNoTensorsTakesAnyNames) {
  ModelConfig config;
  config.name = "custom";
  config.any_inputs = true;
  config.any_outputs = true;
  InferRequest request = Request({Fp32("whatever", {2, 3}), Fp32("else", {1})});
  request.outputs.push_back({.name = "anything"});
  EXPECT_TRUE(ValidateInferRequest(config, request).ok());

  InferRequest twice = Request({Fp32("x", {1}), Fp32("x", {1})});
  EXPECT_EQ(Message(ValidateInferRequest(config, twice)),
            "input 'x' appears more than once in the request");
  InferRequest short_data = Request({Fp32("x", {2})});
  short_data.inputs[0].data = Buffer::FromVector(std::vector<std::byte>(4));
  absl::Status status = ValidateInferRequest(config, short_data);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Message(status).find("input 'x'"), std::string_view::npos) << Message(status);

  // Batched: rows within max_batch_size and equal across inputs.
  config.max_batch_size = 4;
  EXPECT_EQ(Message(ValidateInferRequest(config, Request({Fp32("x", {5, 1})}))),
            "input 'x' has batch size 5, but model 'custom' accepts 1 to 4");
  EXPECT_EQ(Message(ValidateInferRequest(config, Request({Fp32("x", {2}), Fp32("y", {3})}))),
            "input 'y' has batch size 3, but another input of the request has batch size 2");
}

TEST(ValidateInferRequest, DeclaredTensorsStayStrictWithoutTheFlags) {
  ModelConfig config;
  config.name = "empty";  // a C++ model's config never leaves both lists empty; still strict
  EXPECT_EQ(Message(ValidateInferRequest(config, Request({Fp32("x", {1})}))),
            "unexpected inference input 'x' for model 'empty'");
  InferRequest request = Request({Fp32("a", {1, 4}), Fp32("b", {1, 1})});
  request.outputs.push_back({.name = "z"});
  ModelConfig batched = BatchedModel();
  batched.any_outputs = true;  // outputs declared: the flag does not apply
  EXPECT_EQ(Message(ValidateInferRequest(batched, request)),
            "unexpected inference output 'z' for model 'm'");
}

}  // namespace
}  // namespace tensord

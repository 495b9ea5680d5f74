// Execution: every datatype round trip, batching, symbolic dims, an MLP checked against
// values computed here, output selection, alignment, aliasing and concurrency.
#include <cmath>
#include <cstdint>
#include <limits>
#include <thread>

#include "core/status_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/onnx/onnx_runtime.h"
#include "runtime/onnx/onnx_test_util.h"

namespace tensord::runtime::onnx {
namespace {

using testing::Bytes;
using testing::BytesTensor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeTensor;
using testing::TestModel;
using testing::Values;

class OnnxExecuteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterOnnxRuntime(registry_).ok());
    runtime_ = registry_.Find(kPlatform);
  }
  // Loads `file` with an empty config and creates one instance.
  InstancePtr Instance(const std::string& file, ModelConfig config = {.name = "m"},
                       InstanceOptions options = {}) {
    absl::StatusOr<ModelPtr> model = runtime_->Load(config, TestModel(file));
    EXPECT_TRUE(model.ok()) << model.status();
    if (!model.ok()) return nullptr;
    absl::StatusOr<InstancePtr> instance = (*model)->CreateInstance(options);
    EXPECT_TRUE(instance.ok()) << instance.status();
    // Instances must work after their model is gone.
    return instance.ok() ? *std::move(instance) : nullptr;
  }

  RuntimeRegistry registry_;
  Runtime* runtime_ = nullptr;
};

const std::vector<std::string> kY = {"y"};

template <typename T>
void ExpectIdentityRoundTrip(runtime::Instance& instance, DataType datatype,
                             const std::vector<T>& values) {
  Tensor x = MakeTensor<T>("x", datatype, {static_cast<int64_t>(values.size())}, values);
  absl::StatusOr<std::vector<Tensor>> out = instance.Execute({&x, 1}, kY);
  ASSERT_TRUE(out.ok()) << DataTypeName(datatype) << ": " << out.status();
  ASSERT_EQ(out->size(), 1u);
  const Tensor& y = (*out)[0];
  EXPECT_EQ(y.name, "y");
  EXPECT_EQ(y.datatype, datatype);
  EXPECT_THAT(y.shape, ElementsAre(static_cast<int64_t>(values.size())));
  EXPECT_EQ(Bytes(y), Bytes(x)) << DataTypeName(datatype);  // bit-exact
}

TEST_F(OnnxExecuteTest, IdentityRoundTripsEveryFixedSizeType) {
  auto run = [&](const char* file, DataType datatype, auto values) {
    InstancePtr instance = Instance(file);
    ASSERT_NE(instance, nullptr);
    ExpectIdentityRoundTrip(*instance, datatype, values);
  };
  run("identity_bool.onnx", DataType::kBool, std::vector<uint8_t>{0, 1, 1, 0});
  run("identity_uint8.onnx", DataType::kUint8, std::vector<uint8_t>{0, 1, 127, 255});
  run("identity_uint16.onnx", DataType::kUint16, std::vector<uint16_t>{0, 1, 65535});
  run("identity_uint32.onnx", DataType::kUint32, std::vector<uint32_t>{0, 7, 0xffffffffu});
  run("identity_uint64.onnx", DataType::kUint64,
      std::vector<uint64_t>{0, 1, std::numeric_limits<uint64_t>::max()});
  run("identity_int8.onnx", DataType::kInt8, std::vector<int8_t>{-128, -1, 0, 127});
  run("identity_int16.onnx", DataType::kInt16, std::vector<int16_t>{-32768, -1, 0, 32767});
  run("identity_int32.onnx", DataType::kInt32,
      std::vector<int32_t>{std::numeric_limits<int32_t>::min(), -1, 0, 42});
  run("identity_int64.onnx", DataType::kInt64,
      std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0,
                           std::numeric_limits<int64_t>::max()});
  // Raw half-precision bit patterns: 1.0, -2.0, +inf, a NaN with payload, the smallest
  // subnormal, -0.
  run("identity_float16.onnx", DataType::kFp16,
      std::vector<uint16_t>{0x3C00, 0xC000, 0x7C00, 0x7E01, 0x0001, 0x8000});
  run("identity_bfloat16.onnx", DataType::kBf16,
      std::vector<uint16_t>{0x3F80, 0xC000, 0x7F80, 0x7FC1, 0x0001, 0x8000});
  run("identity_float.onnx", DataType::kFp32,
      std::vector<float>{1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                         std::numeric_limits<float>::denorm_min(), 3.4e38f});
  run("identity_double.onnx", DataType::kFp64,
      std::vector<double>{1.0 / 3.0, -1e300, std::numeric_limits<double>::denorm_min()});
}

TEST_F(OnnxExecuteTest, NonCanonicalBoolBytesBecomeTrue) {
  InstancePtr instance = Instance("identity_bool.onnx");
  ASSERT_NE(instance, nullptr);
  Tensor x = MakeTensor<uint8_t>("x", DataType::kBool, {3}, {0, 2, 255});
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&x, 1}, kY);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Values<uint8_t>((*out)[0]), ElementsAre(0, 1, 1));
}

TEST_F(OnnxExecuteTest, IdentityRoundTripsStrings) {
  InstancePtr instance = Instance("identity_string.onnx");
  ASSERT_NE(instance, nullptr);
  const std::vector<std::string> values = {"", "hello", "h\xC3\xA9llo \xE2\x9C\x93 \xE6\x97\xA5",
                                           std::string("a\0b", 3), std::string(1000, 'z')};
  Tensor x = BytesTensor("x", {static_cast<int64_t>(values.size())}, values);
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&x, 1}, kY);
  ASSERT_TRUE(out.ok()) << out.status();
  const Tensor& y = (*out)[0];
  EXPECT_EQ(y.datatype, DataType::kBytes);
  EXPECT_THAT(y.shape, ElementsAre(5));
  EXPECT_EQ(Bytes(y), Bytes(x));
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(y.data.bytes(), 5);
  ASSERT_TRUE(elements.ok());
  EXPECT_EQ((*elements)[3], std::string_view("a\0b", 3));

  // No elements at all.
  Tensor empty = BytesTensor("x", {0}, {});
  out = instance->Execute({&empty, 1}, kY);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].shape, ElementsAre(0));
  EXPECT_TRUE((*out)[0].data.empty());
}

TEST_F(OnnxExecuteTest, AddSubWithDynamicBatch) {
  InstancePtr instance = Instance("add_sub.onnx", {.name = "add_sub", .max_batch_size = 8});
  ASSERT_NE(instance, nullptr);
  for (int64_t batch : {1, 3, 8}) {
    std::vector<float> a(batch * 4), b(batch * 4);
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<float>(i) * 0.5f;
      b[i] = 10.0f - static_cast<float>(i);
    }
    std::vector<Tensor> inputs = {MakeTensor("a", DataType::kFp32, {batch, 4}, a),
                                  MakeTensor("b", DataType::kFp32, {batch, 4}, b)};
    const std::vector<std::string> names = {"sum", "diff"};
    absl::StatusOr<std::vector<Tensor>> out = instance->Execute(inputs, names);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->size(), 2u);
    EXPECT_EQ((*out)[0].name, "sum");
    EXPECT_THAT((*out)[0].shape, ElementsAre(batch, 4));
    std::vector<float> sum = Values<float>((*out)[0]), diff = Values<float>((*out)[1]);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(sum[i], a[i] + b[i]);
      EXPECT_EQ(diff[i], a[i] - b[i]);
    }
  }
}

TEST_F(OnnxExecuteTest, OutputSubsetAndOrder) {
  InstancePtr instance = Instance("add_sub.onnx");
  ASSERT_NE(instance, nullptr);
  std::vector<Tensor> inputs = {MakeTensor<float>("a", DataType::kFp32, {1, 4}, {1, 2, 3, 4}),
                                MakeTensor<float>("b", DataType::kFp32, {1, 4}, {1, 1, 1, 1})};
  const std::vector<std::string> diff_only = {"diff"};
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute(inputs, diff_only);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].name, "diff");
  EXPECT_THAT(Values<float>((*out)[0]), ElementsAre(0, 1, 2, 3));

  const std::vector<std::string> reversed = {"diff", "sum"};
  out = instance->Execute(inputs, reversed);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].name, "diff");
  EXPECT_EQ((*out)[1].name, "sum");
  EXPECT_THAT(Values<float>((*out)[1]), ElementsAre(2, 3, 4, 5));
}

TEST_F(OnnxExecuteTest, IncompatibleDynamicDimsAreInvalidArgument) {
  InstancePtr instance = Instance("add_sub.onnx", {.name = "add_sub"});
  ASSERT_NE(instance, nullptr);
  std::vector<Tensor> inputs = {
      MakeTensor<float>("a", DataType::kFp32, {2, 4}, std::vector<float>(8, 1.0f)),
      MakeTensor<float>("b", DataType::kFp32, {3, 4}, std::vector<float>(12, 1.0f))};
  const std::vector<std::string> names = {"sum"};
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute(inputs, names);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(out.status()), HasSubstr("model 'add_sub': "));
  EXPECT_THAT(Message(out.status()), HasSubstr("Attempting to broadcast an axis"));
}

TEST_F(OnnxExecuteTest, WrongRankAndUnknownOutputAreInvalidArgument) {
  InstancePtr instance = Instance("add_sub.onnx", {.name = "add_sub"});
  ASSERT_NE(instance, nullptr);
  std::vector<Tensor> inputs = {MakeTensor<float>("a", DataType::kFp32, {4}, {1, 2, 3, 4}),
                                MakeTensor<float>("b", DataType::kFp32, {4}, {1, 2, 3, 4})};
  const std::vector<std::string> names = {"sum"};
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute(inputs, names);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(out.status()), HasSubstr("rank"));

  inputs[0].shape = inputs[1].shape = {1, 4};
  const std::vector<std::string> unknown = {"product"};
  out = instance->Execute(inputs, unknown);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(out.status()), HasSubstr("product"));
}

TEST_F(OnnxExecuteTest, SymbolicDims) {
  InstancePtr instance = Instance("symbolic.onnx");
  ASSERT_NE(instance, nullptr);
  std::vector<float> x(2 * 3 * 8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 20.0f;
  Tensor input = MakeTensor("x", DataType::kFp32, {2, 3, 8}, x);
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&input, 1}, kY);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].shape, ElementsAre(2, 3, 8));
  std::vector<float> y = Values<float>((*out)[0]);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], std::max(x[i], 0.0f));
}

// The weights make_test_models.py gives the MLP, and the forward pass in double.
struct MlpOutputs {
  std::vector<double> logits, probs;
};
MlpOutputs MlpReference(const std::vector<float>& x) {
  auto w1 = [](int i, int j) { return double(float(0.1 * (i * 3 + j) - 0.5)); };
  auto b1 = [](int j) { return double(float(0.05 * j)); };
  auto w2 = [](int i, int j) { return double(float(0.2 * (i * 2 + j) - 0.3)); };
  const double b2[2] = {double(0.1f), double(-0.1f)};
  MlpOutputs out;
  for (size_t row = 0; row < x.size() / 4; ++row) {
    double h[3];
    for (int j = 0; j < 3; ++j) {
      double s = b1(j);
      for (int i = 0; i < 4; ++i) s += x[row * 4 + i] * w1(i, j);
      h[j] = std::max(s, 0.0);
    }
    double l[2];
    for (int k = 0; k < 2; ++k) {
      l[k] = b2[k];
      for (int j = 0; j < 3; ++j) l[k] += h[j] * w2(j, k);
    }
    const double m = std::max(l[0], l[1]);
    const double e0 = std::exp(l[0] - m), e1 = std::exp(l[1] - m);
    out.logits.insert(out.logits.end(), {l[0], l[1]});
    out.probs.insert(out.probs.end(), {e0 / (e0 + e1), e1 / (e0 + e1)});
  }
  return out;
}

std::vector<float> MlpInput(int64_t batch, float seed) {
  std::vector<float> x(batch * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(seed + 0.7f * static_cast<float>(i)) * 2;
  return x;
}

void ExpectNear(const std::vector<float>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5) << i;
}

const std::vector<std::string> kMlpOutputs = {"probs", "logits"};

TEST_F(OnnxExecuteTest, MlpMatchesReference) {
  InstancePtr instance = Instance("mlp.onnx", {.name = "mlp", .max_batch_size = 16});
  ASSERT_NE(instance, nullptr);
  for (int64_t batch : {1, 5, 16}) {
    std::vector<float> x = MlpInput(batch, 0.3f);
    Tensor input = MakeTensor("x", DataType::kFp32, {batch, 4}, x);
    absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&input, 1}, kMlpOutputs);
    ASSERT_TRUE(out.ok()) << out.status();
    MlpOutputs expected = MlpReference(x);
    EXPECT_THAT((*out)[0].shape, ElementsAre(batch, 2));
    ExpectNear(Values<float>((*out)[0]), expected.probs);
    ExpectNear(Values<float>((*out)[1]), expected.logits);
  }
}

TEST_F(OnnxExecuteTest, EmptyBatch) {
  InstancePtr instance = Instance("mlp.onnx");
  ASSERT_NE(instance, nullptr);
  Tensor input = MakeTensor<float>("x", DataType::kFp32, {0, 4}, {});
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&input, 1}, kMlpOutputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].shape, ElementsAre(0, 2));
  EXPECT_TRUE((*out)[0].data.empty());
}

TEST_F(OnnxExecuteTest, UnalignedInputIsCopied) {
  InstancePtr instance = Instance("mlp.onnx");
  ASSERT_NE(instance, nullptr);
  std::vector<float> x = MlpInput(3, 1.1f);
  auto storage = std::make_shared<std::vector<std::byte>>(x.size() * sizeof(float) + 1);
  std::memcpy(storage->data() + 1, x.data(), x.size() * sizeof(float));
  Tensor input{.name = "x",
               .datatype = DataType::kFp32,
               .shape = {3, 4},
               .data = Buffer::View({storage->data() + 1, x.size() * sizeof(float)}, storage)};
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&input, 1}, kMlpOutputs);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(Values<float>((*out)[0]), MlpReference(x).probs);
}

TEST_F(OnnxExecuteTest, OutputsOutliveInputsInstanceAndModel) {
  absl::StatusOr<std::vector<Tensor>> out;
  std::vector<float> x = MlpInput(2, 0.9f);
  {
    InstancePtr instance = Instance("mlp.onnx");
    ASSERT_NE(instance, nullptr);
    Tensor input = MakeTensor("x", DataType::kFp32, {2, 4}, x);
    out = instance->Execute({&input, 1}, kMlpOutputs);
  }
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(Values<float>((*out)[0]), MlpReference(x).probs);
}

TEST_F(OnnxExecuteTest, OutputThatIsAnInputIsCopied) {
  // The graph's output 'x' is its input 'x': ONNX Runtime returns the caller's buffer. In
  // passthrough_named its shape is known before the run, which must not make the runtime
  // give ONNX Runtime a buffer it would leave unwritten.
  for (const char* file : {"passthrough.onnx", "passthrough_named.onnx"}) {
    InstancePtr instance = Instance(file);
    ASSERT_NE(instance, nullptr);
    const std::vector<std::string> names = {"x", "y"};
    absl::StatusOr<std::vector<Tensor>> out;
    {
      Tensor input = MakeTensor<float>("x", DataType::kFp32, {3}, {-1, 2, -3});
      out = instance->Execute({&input, 1}, names);
    }  // the input's bytes are freed here; ASan flags any output still pointing at them
    ASSERT_TRUE(out.ok()) << file << ": " << out.status();
    EXPECT_THAT(Values<float>((*out)[0]), ElementsAre(-1, 2, -3)) << file;
    EXPECT_THAT(Values<float>((*out)[1]), ElementsAre(0, 2, 0)) << file;
  }
}

// Bytes of `tensor`'s data from the start of `first`'s: outputs written into one block of
// ours sit a rounded-up size apart; ONNX Runtime's own allocations do not.
ptrdiff_t Distance(const Tensor& first, const Tensor& tensor) {
  return tensor.data.bytes().data() - first.data.bytes().data();
}

std::vector<Tensor> NamedAddSubInputs(int64_t a_rows, int64_t b_rows) {
  std::vector<float> a(a_rows * 4), b(b_rows * 4);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.5f;
  return {MakeTensor("a", DataType::kFp32, {a_rows, 4}, a),
          MakeTensor("b", DataType::kFp32, {b_rows, 4}, b)};
}

TEST_F(OnnxExecuteTest, OutputsOfKnownShapesGoIntoOneBlockOfOurs) {
  InstancePtr instance = Instance("named_add_sub.onnx");
  ASSERT_NE(instance, nullptr);
  const std::vector<std::string> names = {"sum", "diff"};
  for (int64_t batch : {3, 1, 20}) {
    std::vector<Tensor> inputs = NamedAddSubInputs(batch, batch);
    absl::StatusOr<std::vector<Tensor>> out = instance->Execute(inputs, names);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_THAT((*out)[0].shape, ElementsAre(batch, 4));
    EXPECT_THAT((*out)[1].shape, ElementsAre(batch, 4));
    const std::vector<float> a = Values<float>(inputs[0]), sum = Values<float>((*out)[0]),
                             diff = Values<float>((*out)[1]);
    ASSERT_EQ(sum.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(sum[i], a[i] + 0.5f);
      EXPECT_EQ(diff[i], a[i] - 0.5f);
    }
    // "batch" rows of 16 bytes, rounded up to 64.
    EXPECT_EQ(Distance((*out)[0], (*out)[1]), (batch * 16 + 63) / 64 * 64) << batch;
  }
}

TEST_F(OnnxExecuteTest, ABatchingModelsOutputsAreKnownWhateverItsDimensionsNames) {
  // add_sub.onnx leaves its batch dimension unnamed; with max_batch_size the outputs' first
  // dimension is the inputs' anyway.
  InstancePtr instance = Instance("add_sub.onnx", {.name = "add_sub", .max_batch_size = 8});
  ASSERT_NE(instance, nullptr);
  const std::vector<std::string> names = {"sum", "diff"};
  std::vector<Tensor> inputs = {
      MakeTensor<float>("a", DataType::kFp32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}),
      MakeTensor<float>("b", DataType::kFp32, {2, 4}, std::vector<float>(8, 1.0f))};
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute(inputs, names);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].shape, ElementsAre(2, 4));
  EXPECT_THAT(Values<float>((*out)[0]), ElementsAre(2, 3, 4, 5, 6, 7, 8, 9));
  EXPECT_THAT(Values<float>((*out)[1]), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  EXPECT_EQ(Distance((*out)[0], (*out)[1]), 64);
}

TEST_F(OnnxExecuteTest, BadInputsDoNotStopPreallocation) {
  InstancePtr instance = Instance("named_add_sub.onnx", {.name = "named"});
  ASSERT_NE(instance, nullptr);
  const std::vector<std::string> names = {"sum", "diff"};
  // "batch" is 2 from 'a' but 3 in 'b': the run fails on the inputs, with the preallocated
  // outputs and again without them.
  absl::StatusOr<std::vector<Tensor>> out = instance->Execute(NamedAddSubInputs(2, 3), names);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(out.status()), HasSubstr("model 'named': "));
  EXPECT_THAT(Message(out.status()), HasSubstr("Attempting to broadcast an axis"));

  out = instance->Execute(NamedAddSubInputs(2, 2), names);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Distance((*out)[0], (*out)[1]), 64);
}

TEST_F(OnnxExecuteTest, AModelWhoseOutputsBreakTheirDeclaredShapesIsStillServed) {
  // Declares y as long as x ("n") but concatenates x with itself.
  InstancePtr instance = Instance("broken_promise.onnx");
  ASSERT_NE(instance, nullptr);
  for (int run = 0; run < 2; ++run) {
    Tensor input = MakeTensor<float>("x", DataType::kFp32, {3}, {1, 2, 3});
    absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&input, 1}, kY);
    ASSERT_TRUE(out.ok()) << "run " << run << ": " << out.status();
    EXPECT_THAT((*out)[0].shape, ElementsAre(6));
    EXPECT_THAT(Values<float>((*out)[0]), ElementsAre(1, 2, 3, 1, 2, 3));
  }
}

TEST_F(OnnxExecuteTest, InstancesRunConcurrently) {
  absl::StatusOr<ModelPtr> model = runtime_->Load({.name = "mlp"}, TestModel("mlp.onnx"));
  ASSERT_TRUE(model.ok()) << model.status();
  // The first takes Load's session; the second (other options) builds its own.
  absl::StatusOr<InstancePtr> first = (*model)->CreateInstance({});
  absl::StatusOr<InstancePtr> second = (*model)->CreateInstance({.intra_op_threads = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();

  auto work = [](runtime::Instance* instance, float seed, int* failures) {
    for (int i = 0; i < 200; ++i) {
      const int64_t batch = 1 + i % 7;
      std::vector<float> x = MlpInput(batch, seed + static_cast<float>(i));
      Tensor input = MakeTensor("x", DataType::kFp32, {batch, 4}, x);
      absl::StatusOr<std::vector<Tensor>> out = instance->Execute({&input, 1}, kMlpOutputs);
      if (!out.ok()) {
        ++*failures;
        continue;
      }
      std::vector<float> probs = Values<float>((*out)[0]);
      std::vector<double> expected = MlpReference(x).probs;
      for (size_t k = 0; k < probs.size(); ++k) {
        if (std::abs(probs[k] - expected[k]) > 1e-5) ++*failures;
      }
    }
  };
  int failures_a = 0, failures_b = 0;
  std::thread a(work, first->get(), 0.0f, &failures_a);
  std::thread b(work, second->get(), 100.0f, &failures_b);
  a.join();
  b.join();
  EXPECT_EQ(failures_a, 0);
  EXPECT_EQ(failures_b, 0);
}

}  // namespace
}  // namespace tensord::runtime::onnx

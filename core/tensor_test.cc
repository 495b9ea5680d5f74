#include "core/tensor.h"

#include "gtest/gtest.h"

namespace tensord {
namespace {

std::vector<std::byte> Bytes(std::initializer_list<int> values) {
  std::vector<std::byte> bytes;
  for (int v : values) bytes.push_back(static_cast<std::byte>(v));
  return bytes;
}

TEST(Buffer, FromVectorOwnsTheBytes) {
  Buffer buffer = Buffer::FromVector(Bytes({1, 2, 3}));
  Buffer copy = buffer;
  buffer = Buffer();
  ASSERT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy.data()[2], std::byte{3});
}

TEST(Buffer, ViewKeepsTheOwnerAlive) {
  auto storage = std::make_shared<std::vector<std::byte>>(Bytes({9, 8, 7, 6}));
  Buffer view = Buffer::View(std::span<const std::byte>(storage->data() + 1, 2), storage);
  std::weak_ptr<std::vector<std::byte>> weak = storage;
  storage.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(view.data()[0], std::byte{8});
  view = Buffer();
  EXPECT_TRUE(weak.expired());
}

TEST(Buffer, ReadWorksUnaligned) {
  std::vector<std::byte> bytes(9);
  const float value = 1.5f;
  std::memcpy(bytes.data() + 1, &value, sizeof(value));
  Buffer buffer = Buffer::FromVector(std::move(bytes));
  Buffer view = Buffer::View(buffer.bytes().subspan(1), buffer.owner());
  EXPECT_EQ(view.Read<float>(0), 1.5f);
}

TEST(BytesElements, RoundTrip) {
  std::vector<std::byte> data;
  AppendBytesElement(data, "hello");
  AppendBytesElement(data, "");
  AppendBytesElement(data, "h\xc3\xa9llo");
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(data, 3);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_EQ((*elements)[0], "hello");
  EXPECT_EQ((*elements)[1], "");
  EXPECT_EQ((*elements)[2], "h\xc3\xa9llo");
}

TEST(BytesElements, LengthPastTheEndIsAnError) {
  std::vector<std::byte> data = Bytes({10, 0, 0, 0, 'a', 'b'});
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(data);
  ASSERT_FALSE(elements.ok());
  EXPECT_EQ(elements.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(elements.status().message(),
            "BYTES element 0 has length 10, which runs past the end of the data");
}

TEST(BytesElements, TruncatedPrefixIsAnError) {
  std::vector<std::byte> data;
  AppendBytesElement(data, "x");
  data.push_back(std::byte{1});
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(data);
  ASSERT_FALSE(elements.ok());
  EXPECT_EQ(elements.status().message(), "BYTES data has a truncated length prefix at byte 5");
}

TEST(BytesElements, CountMustMatch) {
  std::vector<std::byte> data;
  AppendBytesElement(data, "x");
  absl::StatusOr<std::vector<std::string_view>> elements = SplitBytesElements(data, 2);
  ASSERT_FALSE(elements.ok());
  EXPECT_EQ(elements.status().message(), "BYTES data holds 1 elements but the shape needs 2");
}

TEST(CheckTensorData, FixedSizeTypes) {
  Tensor tensor{.name = "x",
                .datatype = DataType::kFp32,
                .shape = {2, 2},
                .data = Buffer::FromVector(std::vector<std::byte>(16))};
  EXPECT_TRUE(CheckTensorData(tensor, "input").ok());
  tensor.shape = {2, 3};
  absl::Status status = CheckTensorData(tensor, "input");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "input 'x': data has 16 bytes but shape [2,3] needs 6 elements of 4 bytes (FP32)");
}

TEST(CheckTensorData, HugeShapesAreRejectedWithoutOverflow) {
  Tensor tensor{.name = "x",
                .datatype = DataType::kFp64,
                .shape = {1LL << 61},
                .data = Buffer::FromVector(std::vector<std::byte>(8))};
  absl::Status status = CheckTensorData(tensor, "input");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  tensor.shape = {1LL << 62, 4};
  status = CheckTensorData(tensor, "output");
  EXPECT_EQ(status.message(), "output 'x': shape [4611686018427387904,4] has too many elements");
}

TEST(CheckTensorData, Bytes) {
  std::vector<std::byte> data;
  AppendBytesElement(data, "a");
  AppendBytesElement(data, "bc");
  Tensor tensor{.name = "s",
                .datatype = DataType::kBytes,
                .shape = {2},
                .data = Buffer::FromVector(std::move(data))};
  EXPECT_TRUE(CheckTensorData(tensor, "input").ok());
  tensor.shape = {3};
  EXPECT_EQ(CheckTensorData(tensor, "input").message(),
            "input 's': BYTES data holds 2 elements but the shape needs 3");
}

}  // namespace
}  // namespace tensord

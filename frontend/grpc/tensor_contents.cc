#include "frontend/grpc/tensor_contents.h"

#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "fmt/format.h"

namespace tensord::grpc {
namespace {

using inference::InferTensorContents;

// The typed field each datatype takes; nullptr name for FP16/BF16/invalid.
const char* FieldFor(DataType datatype) {
  switch (datatype) {
    case DataType::kBool:
      return "bool_contents";
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return "int_contents";
    case DataType::kInt64:
      return "int64_contents";
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
      return "uint_contents";
    case DataType::kUint64:
      return "uint64_contents";
    case DataType::kFp32:
      return "fp32_contents";
    case DataType::kFp64:
      return "fp64_contents";
    case DataType::kBytes:
      return "bytes_contents";
    default:
      return nullptr;
  }
}

struct FieldCount {
  const char* name;
  int count;
};

std::vector<FieldCount> FieldCounts(const InferTensorContents& c) {
  return {
      {"bool_contents", c.bool_contents_size()},     {"int_contents", c.int_contents_size()},
      {"int64_contents", c.int64_contents_size()},   {"uint_contents", c.uint_contents_size()},
      {"uint64_contents", c.uint64_contents_size()}, {"fp32_contents", c.fp32_contents_size()},
      {"fp64_contents", c.fp64_contents_size()},     {"bytes_contents", c.bytes_contents_size()}};
}

// Copies `values` as elements of Out, checking that each one fits.
template <typename Out, typename In>
absl::StatusOr<Buffer> Narrow(const google::protobuf::RepeatedField<In>& values, DataType datatype,
                              const char* field, std::string_view name) {
  std::vector<std::byte> bytes(static_cast<size_t>(values.size()) * sizeof(Out));
  std::byte* out = bytes.data();
  for (int i = 0; i < values.size(); ++i) {
    const In value = values.Get(i);
    if constexpr (!std::is_same_v<Out, In>) {
      if (value < static_cast<In>(std::numeric_limits<Out>::min()) ||
          value > static_cast<In>(std::numeric_limits<Out>::max())) {
        return absl::InvalidArgumentError(
            fmt::format("input '{}': {}[{}] = {} is out of range for {}", name, field, i, value,
                        DataTypeName(datatype)));
      }
    }
    const Out narrowed = static_cast<Out>(value);
    std::memcpy(out + static_cast<size_t>(i) * sizeof(Out), &narrowed, sizeof(Out));
  }
  return Buffer::FromVector(std::move(bytes));
}

}  // namespace

int64_t TypedElementCount(const InferTensorContents& contents) {
  int64_t total = 0;
  for (const FieldCount& field : FieldCounts(contents)) total += field.count;
  return total;
}

absl::StatusOr<Buffer> TypedContentsToBuffer(const InferTensorContents& contents, DataType datatype,
                                             int64_t element_count, std::string_view name) {
  const char* expected = FieldFor(datatype);
  if (expected == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "input '{}': {} has no typed contents field; send its data in raw_input_contents", name,
        DataTypeName(datatype)));
  }
  int expected_count = 0;
  for (const FieldCount& field : FieldCounts(contents)) {
    if (std::strcmp(field.name, expected) == 0) {
      expected_count = field.count;
    } else if (field.count > 0) {
      return absl::InvalidArgumentError(
          fmt::format("input '{}': datatype {} takes {}, but {} is set", name,
                      DataTypeName(datatype), expected, field.name));
    }
  }
  if (expected_count != element_count) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': {} holds {} elements but the shape needs {}", name, expected,
                    expected_count, element_count));
  }

  switch (datatype) {
    case DataType::kBool: {
      std::vector<std::byte> bytes(static_cast<size_t>(contents.bool_contents_size()));
      for (int i = 0; i < contents.bool_contents_size(); ++i) {
        bytes[static_cast<size_t>(i)] =
            std::byte{contents.bool_contents(i) ? uint8_t{1} : uint8_t{0}};
      }
      return Buffer::FromVector(std::move(bytes));
    }
    case DataType::kInt8:
      return Narrow<int8_t>(contents.int_contents(), datatype, expected, name);
    case DataType::kInt16:
      return Narrow<int16_t>(contents.int_contents(), datatype, expected, name);
    case DataType::kInt32:
      return Narrow<int32_t>(contents.int_contents(), datatype, expected, name);
    case DataType::kInt64:
      return Narrow<int64_t>(contents.int64_contents(), datatype, expected, name);
    case DataType::kUint8:
      return Narrow<uint8_t>(contents.uint_contents(), datatype, expected, name);
    case DataType::kUint16:
      return Narrow<uint16_t>(contents.uint_contents(), datatype, expected, name);
    case DataType::kUint32:
      return Narrow<uint32_t>(contents.uint_contents(), datatype, expected, name);
    case DataType::kUint64:
      return Narrow<uint64_t>(contents.uint64_contents(), datatype, expected, name);
    case DataType::kFp32:
      return Narrow<float>(contents.fp32_contents(), datatype, expected, name);
    case DataType::kFp64:
      return Narrow<double>(contents.fp64_contents(), datatype, expected, name);
    case DataType::kBytes: {
      std::vector<std::byte> bytes;
      size_t total = 0;
      for (const std::string& element : contents.bytes_contents()) total += 4 + element.size();
      bytes.reserve(total);
      for (const std::string& element : contents.bytes_contents()) {
        AppendBytesElement(bytes, element);
      }
      return Buffer::FromVector(std::move(bytes));
    }
    default:
      break;
  }
  return absl::InternalError(
      fmt::format("input '{}': unhandled datatype {}", name, DataTypeName(datatype)));
}

}  // namespace tensord::grpc

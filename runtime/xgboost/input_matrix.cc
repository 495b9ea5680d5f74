#include "runtime/xgboost/input_matrix.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "fmt/format.h"

namespace tensord::runtime::xgboost {
namespace {

constexpr DataType kAccepted[] = {DataType::kFp32,   DataType::kFp64,   DataType::kFp16,
                                  DataType::kBool,   DataType::kInt8,   DataType::kInt16,
                                  DataType::kInt32,  DataType::kInt64,  DataType::kUint8,
                                  DataType::kUint16, DataType::kUint32, DataType::kUint64};

float HalfToFloat(uint16_t half) {
  const uint32_t sign = (half >> 15) & 1u;
  const int exponent = (half >> 10) & 0x1f;
  const uint32_t mantissa = half & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero and subnormals
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), exponent - 25);
  }
  return sign != 0 ? -magnitude : magnitude;
}

template <typename T>
void Convert(const Buffer& data, std::vector<float>& out) {
  const size_t count = data.size() / sizeof(T);
  out.resize(count);
  // Read<T> copies each element, so unaligned binary payloads are fine.
  for (size_t i = 0; i < count; ++i) out[i] = static_cast<float>(data.Read<T>(i));
}

}  // namespace

std::span<const DataType> AcceptedInputDatatypes() { return kAccepted; }

absl::StatusOr<const float*> DenseFloatRows(const Tensor& input, std::vector<float>& scratch) {
  const Buffer& data = input.data;
  switch (input.datatype) {
    case DataType::kFp32:
      if (reinterpret_cast<uintptr_t>(data.data()) % alignof(float) == 0) {
        return reinterpret_cast<const float*>(data.data());
      }
      Convert<float>(data, scratch);
      break;
    case DataType::kFp64:
      Convert<double>(data, scratch);
      break;
    case DataType::kFp16: {
      const size_t count = data.size() / 2;
      scratch.resize(count);
      for (size_t i = 0; i < count; ++i) scratch[i] = HalfToFloat(data.Read<uint16_t>(i));
      break;
    }
    case DataType::kBool:
      Convert<uint8_t>(data, scratch);
      for (float& v : scratch) v = v != 0 ? 1.0f : 0.0f;
      break;
    case DataType::kInt8:
      Convert<int8_t>(data, scratch);
      break;
    case DataType::kInt16:
      Convert<int16_t>(data, scratch);
      break;
    case DataType::kInt32:
      Convert<int32_t>(data, scratch);
      break;
    case DataType::kInt64:
      Convert<int64_t>(data, scratch);
      break;
    case DataType::kUint8:
      Convert<uint8_t>(data, scratch);
      break;
    case DataType::kUint16:
      Convert<uint16_t>(data, scratch);
      break;
    case DataType::kUint32:
      Convert<uint32_t>(data, scratch);
      break;
    case DataType::kUint64:
      Convert<uint64_t>(data, scratch);
      break;
    case DataType::kBytes:
      return absl::InvalidArgumentError(fmt::format(
          "input '{}' is BYTES (strings); XGBoost models take numbers: send FP32, FP64 or an "
          "integer type",
          input.name));
    default:
      return absl::InvalidArgumentError(
          fmt::format("input '{}' has datatype {}, which XGBoost models do not take; send FP32, "
                      "FP64 or an integer type",
                      input.name, DataTypeName(input.datatype)));
  }
  return scratch.data();
}

}  // namespace tensord::runtime::xgboost

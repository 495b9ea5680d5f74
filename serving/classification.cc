#include "serving/classification.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "fmt/format.h"

namespace tensord {
namespace {

constexpr std::string_view kParameters[] = {"classification", "class_count"};

// IEEE half and bfloat16 bits to float, for ranking and printing.
float HalfBitsToFloat(uint16_t bits) {
  const uint32_t sign = (bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0) {
    if (mantissa == 0) {
      out = sign;
    } else {  // subnormal: normalize
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      out = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else if (exponent == 0x1f) {
    out = sign | 0x7f800000u | (mantissa << 13);
  } else {
    out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

float Bfloat16BitsToFloat(uint16_t bits) {
  const uint32_t out = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

template <typename T>
std::string ValueText(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    return fmt::format("{:f}", value);  // as std::to_string, which Triton uses
  } else {
    return fmt::format("{}", value);
  }
}

// Ranks `items` rows of `classes` values (Convert reads element i as a comparable value).
template <typename V, typename Read>
std::vector<std::byte> Rank(int64_t items, int64_t classes, int64_t k, Read read,
                            const std::vector<std::string>* labels) {
  std::vector<std::byte> out;
  std::vector<int64_t> order(static_cast<size_t>(classes));
  for (int64_t item = 0; item < items; ++item) {
    std::iota(order.begin(), order.end(), int64_t{0});
    const int64_t base = item * classes;
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      const V va = read(base + a);
      const V vb = read(base + b);
      if (va != vb) return va > vb;
      return a < b;
    });
    for (int64_t i = 0; i < k; ++i) {
      const int64_t index = order[static_cast<size_t>(i)];
      std::string text = fmt::format("{}:{}", ValueText(read(base + index)), index);
      if (labels != nullptr && static_cast<size_t>(index) < labels->size()) {
        text += ':';
        text += (*labels)[static_cast<size_t>(index)];
      }
      AppendBytesElement(out, text);
    }
  }
  return out;
}

template <typename T>
std::vector<std::byte> RankAs(const Buffer& data, int64_t items, int64_t classes, int64_t k,
                              const std::vector<std::string>* labels) {
  return Rank<T>(
      items, classes, k, [&](int64_t i) { return data.Read<T>(static_cast<size_t>(i)); }, labels);
}

}  // namespace

absl::StatusOr<Classifications> FindClassifications(const InferRequest& request) {
  Classifications wanted;
  for (const RequestedOutput& output : request.outputs) {
    if (output.parameters.empty()) continue;
    for (std::string_view key : kParameters) {
      auto found = output.parameters.find(key);
      if (found == output.parameters.end()) continue;
      const int64_t* count = std::get_if<int64_t>(&found->second);
      if (count == nullptr || *count <= 0) {
        return absl::InvalidArgumentError(fmt::format(
            "output '{}': parameter '{}' must be a positive integer (the number of classes to "
            "return)",
            output.name, key));
      }
      wanted.push_back({.output = output.name, .count = *count});
      break;
    }
  }
  return wanted;
}

absl::Status CheckClassifiable(const Classifications& wanted, const ModelConfig& config) {
  for (const Classification& classification : wanted) {
    for (const TensorConfig& output : config.outputs) {
      if (output.name == classification.output && output.datatype == DataType::kBytes) {
        return absl::InvalidArgumentError(fmt::format(
            "output '{}': classification needs a numeric output, not BYTES", output.name));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> TopClasses(const Tensor& output, int64_t count, bool batched,
                                  const std::vector<std::string>* labels) {
  absl::StatusOr<int64_t> elements = ElementCount(output.shape);
  if (!elements.ok()) return elements.status();
  int64_t items = 1;
  if (batched && !output.shape.empty()) items = output.shape[0];
  const int64_t classes = items > 0 ? *elements / items : 0;
  const int64_t k = std::min(count, classes);
  std::vector<std::byte> ranked;
  switch (output.datatype) {
    case DataType::kBool:
    case DataType::kUint8:
      ranked = RankAs<uint8_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kUint16:
      ranked = RankAs<uint16_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kUint32:
      ranked = RankAs<uint32_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kUint64:
      ranked = RankAs<uint64_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kInt8:
      ranked = RankAs<int8_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kInt16:
      ranked = RankAs<int16_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kInt32:
      ranked = RankAs<int32_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kInt64:
      ranked = RankAs<int64_t>(output.data, items, classes, k, labels);
      break;
    case DataType::kFp16:
      ranked = Rank<float>(
          items, classes, k,
          [&](int64_t i) {
            return HalfBitsToFloat(output.data.Read<uint16_t>(static_cast<size_t>(i)));
          },
          labels);
      break;
    case DataType::kBf16:
      ranked = Rank<float>(
          items, classes, k,
          [&](int64_t i) {
            return Bfloat16BitsToFloat(output.data.Read<uint16_t>(static_cast<size_t>(i)));
          },
          labels);
      break;
    case DataType::kFp32:
      ranked = RankAs<float>(output.data, items, classes, k, labels);
      break;
    case DataType::kFp64:
      ranked = RankAs<double>(output.data, items, classes, k, labels);
      break;
    default:
      return absl::InvalidArgumentError(
          fmt::format("output '{}': classification needs a numeric output, not {}", output.name,
                      DataTypeName(output.datatype)));
  }
  Tensor result{.name = output.name, .datatype = DataType::kBytes};
  result.shape = batched ? Shape{items, k} : Shape{k};
  result.data = Buffer::FromVector(std::move(ranked));
  result.parameters = output.parameters;
  return result;
}

absl::Status Classify(const Classifications& wanted, const ModelConfig& config,
                      InferResponse& response) {
  for (const Classification& classification : wanted) {
    for (Tensor& output : response.outputs) {
      if (output.name != classification.output) continue;
      const std::vector<std::string>* labels = nullptr;
      for (const TensorConfig& tensor : config.outputs) {
        if (tensor.name == output.name && tensor.labels != nullptr) labels = tensor.labels.get();
      }
      absl::StatusOr<Tensor> top =
          TopClasses(output, classification.count, config.max_batch_size > 0, labels);
      if (!top.ok()) return top.status();
      output = *std::move(top);
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord

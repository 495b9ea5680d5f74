#include "tools/bench/tensor_values.h"

#include <bit>
#include <cstring>

#include "fmt/format.h"

namespace tensord::bench {
namespace {

template <typename T>
T Load(const std::string& raw, size_t index) {
  T value;
  std::memcpy(&value, raw.data() + index * sizeof(T), sizeof(T));
  return value;
}

template <typename T>
void Store(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void Flatten(const nlohmann::json& value, std::vector<const nlohmann::json*>& out) {
  if (value.is_array()) {
    for (const nlohmann::json& element : value) Flatten(element, out);
  } else {
    out.push_back(&value);
  }
}

}  // namespace

absl::StatusOr<size_t> ElementByteSize(std::string_view datatype) {
  if (datatype == "BOOL" || datatype == "INT8" || datatype == "UINT8") return 1;
  if (datatype == "INT16" || datatype == "UINT16" || datatype == "FP16" || datatype == "BF16") {
    return 2;
  }
  if (datatype == "INT32" || datatype == "UINT32" || datatype == "FP32") return 4;
  if (datatype == "INT64" || datatype == "UINT64" || datatype == "FP64") return 8;
  if (datatype == "BYTES") return 0;
  return absl::InvalidArgumentError(fmt::format("unknown datatype '{}'", datatype));
}

uint16_t FloatToHalf(float value) {
  const uint32_t f = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (f >> 16) & 0x8000u;
  const int32_t exponent = static_cast<int32_t>((f >> 23) & 0xFF) - 127 + 15;
  uint32_t mantissa = f & 0x7FFFFFu;
  if (((f >> 23) & 0xFF) == 0xFF)
    return static_cast<uint16_t>(sign | 0x7C00u | (mantissa ? 0x200u : 0));
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7C00u);  // overflow → inf
  if (exponent <= 0) {
    if (exponent < -10) return static_cast<uint16_t>(sign);  // underflow → ±0
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1))) ++half;  // may carry into exponent
  return static_cast<uint16_t>(sign | half);
}

float HalfToFloat(uint16_t bits) {
  const uint32_t sign = (bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FFu;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0) return std::bit_cast<float>(sign);
    exponent = 127 - 15 + 1;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      --exponent;
    }
    mantissa &= 0x3FFu;
    return std::bit_cast<float>(sign | (exponent << 23) | (mantissa << 13));
  }
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

nlohmann::json RawToJson(const InputTensor& t) {
  nlohmann::json out = nlohmann::json::array();
  const std::string_view d = t.datatype;
  if (d == "BYTES") {
    size_t at = 0;
    while (at + 4 <= t.raw.size()) {
      uint32_t length;
      std::memcpy(&length, t.raw.data() + at, 4);
      out.push_back(t.raw.substr(at + 4, length));
      at += 4 + length;
    }
    return out;
  }
  const size_t size = ElementByteSize(d).value_or(1);
  const size_t n = size ? t.raw.size() / size : 0;
  for (size_t i = 0; i < n; ++i) {
    if (d == "BOOL")
      out.push_back(Load<uint8_t>(t.raw, i) != 0);
    else if (d == "INT8")
      out.push_back(Load<int8_t>(t.raw, i));
    else if (d == "UINT8")
      out.push_back(Load<uint8_t>(t.raw, i));
    else if (d == "INT16")
      out.push_back(Load<int16_t>(t.raw, i));
    else if (d == "UINT16")
      out.push_back(Load<uint16_t>(t.raw, i));
    else if (d == "INT32")
      out.push_back(Load<int32_t>(t.raw, i));
    else if (d == "UINT32")
      out.push_back(Load<uint32_t>(t.raw, i));
    else if (d == "INT64")
      out.push_back(Load<int64_t>(t.raw, i));
    else if (d == "UINT64")
      out.push_back(Load<uint64_t>(t.raw, i));
    else if (d == "FP16")
      out.push_back(HalfToFloat(Load<uint16_t>(t.raw, i)));
    else if (d == "BF16") {
      out.push_back(std::bit_cast<float>(uint32_t{Load<uint16_t>(t.raw, i)} << 16));
    } else if (d == "FP32")
      out.push_back(Load<float>(t.raw, i));
    else if (d == "FP64")
      out.push_back(Load<double>(t.raw, i));
  }
  return out;
}

absl::StatusOr<std::string> JsonToRaw(std::string_view d, const nlohmann::json& values,
                                      std::string_view context, int64_t* element_count) {
  std::vector<const nlohmann::json*> elements;
  Flatten(values, elements);
  std::string out;
  for (size_t i = 0; i < elements.size(); ++i) {
    const nlohmann::json& v = *elements[i];
    const bool wants_string = d == "BYTES";
    if (wants_string ? !v.is_string() : !(v.is_number() || v.is_boolean())) {
      return absl::InvalidArgumentError(fmt::format("{}: element {} is {} but datatype {} needs {}",
                                                    context, i, v.type_name(), d,
                                                    wants_string ? "a string" : "a number"));
    }
    if (d == "BYTES") {
      const std::string& s = v.get_ref<const std::string&>();
      Store<uint32_t>(out, static_cast<uint32_t>(s.size()));
      out += s;
    } else if (d == "BOOL")
      Store<uint8_t>(out, v.get<double>() != 0 ? 1 : 0);
    else if (d == "INT8")
      Store<int8_t>(out, v.get<int8_t>());
    else if (d == "UINT8")
      Store<uint8_t>(out, v.get<uint8_t>());
    else if (d == "INT16")
      Store<int16_t>(out, v.get<int16_t>());
    else if (d == "UINT16")
      Store<uint16_t>(out, v.get<uint16_t>());
    else if (d == "INT32")
      Store<int32_t>(out, v.get<int32_t>());
    else if (d == "UINT32")
      Store<uint32_t>(out, v.get<uint32_t>());
    else if (d == "INT64")
      Store<int64_t>(out, v.get<int64_t>());
    else if (d == "UINT64")
      Store<uint64_t>(out, v.get<uint64_t>());
    else if (d == "FP16")
      Store<uint16_t>(out, FloatToHalf(v.get<float>()));
    else if (d == "BF16")
      Store<uint16_t>(out, static_cast<uint16_t>(std::bit_cast<uint32_t>(v.get<float>()) >> 16));
    else if (d == "FP32")
      Store<float>(out, v.get<float>());
    else if (d == "FP64")
      Store<double>(out, v.get<double>());
    else
      return absl::InvalidArgumentError(fmt::format("{}: unknown datatype '{}'", context, d));
  }
  if (element_count) *element_count = static_cast<int64_t>(elements.size());
  return out;
}

}  // namespace tensord::bench

#include "runtime/onnx/ort_values.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/status_util.h"
#include "fmt/format.h"
#include "runtime/onnx/onnx_types.h"

namespace tensord::runtime::onnx {
namespace {

// ONNX Runtime wants a non-null pointer even for a tensor with no elements.
alignas(64) std::byte empty_tensor_data[64];

bool Aligned(const void* data, size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(data) % alignment == 0;
}

bool AllCanonicalBools(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](std::byte b) { return static_cast<uint8_t>(b) <= 1; });
}

}  // namespace

absl::Status InputValues::Add(const Tensor& tensor) {
  const ONNXTensorElementDataType type = OnnxFromDataType(tensor.datatype);
  if (type == ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}' has datatype {}", tensor.name, DataTypeName(tensor.datatype)));
  }
  const Shape& shape = tensor.shape;
  Ort::Value value{nullptr};
  if (tensor.datatype == DataType::kBytes) {
    absl::StatusOr<int64_t> count = ElementCount(shape);
    if (!count.ok()) return Annotate(count.status(), fmt::format("input '{}'", tensor.name));
    absl::StatusOr<std::vector<std::string_view>> elements =
        SplitBytesElements(tensor.data.bytes(), *count);
    if (!elements.ok()) return Annotate(elements.status(), fmt::format("input '{}'", tensor.name));
    Ort::AllocatorWithDefaultOptions allocator;
    value = Ort::Value::CreateTensor(allocator, shape.data(), shape.size(),
                                     ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING);
    for (size_t i = 0; i < elements->size(); ++i) {
      // Sized buffers, not FillStringTensor: elements may hold NUL bytes.
      const std::string_view element = (*elements)[i];
      char* slot = value.GetResizedStringTensorElementBuffer(i, element.size());
      if (!element.empty()) std::memcpy(slot, element.data(), element.size());
    }
  } else {
    const std::span<const std::byte> bytes = tensor.data.bytes();
    const bool is_bool = tensor.datatype == DataType::kBool;
    void* data = nullptr;
    if (bytes.empty()) {
      data = empty_tensor_data;
    } else if (Aligned(bytes.data(), DataTypeByteSize(tensor.datatype)) &&
               (!is_bool || AllCanonicalBools(bytes))) {
      // ONNX Runtime never writes to a caller's input buffer.
      data = const_cast<std::byte*>(bytes.data());
      borrowed_.push_back(bytes);
    } else {
      // operator new aligns to 16 bytes, enough for every fixed-size element type.
      std::vector<std::byte>& copy = copies_.emplace_back(bytes.begin(), bytes.end());
      if (is_bool) {
        for (std::byte& b : copy) b = b == std::byte{0} ? std::byte{0} : std::byte{1};
      }
      data = copy.data();
    }
    value = Ort::Value::CreateTensor(cpu_, data, bytes.size(), shape.data(), shape.size(), type);
  }
  names_.push_back(tensor.name.c_str());
  values_.push_back(std::move(value));
  return absl::OkStatus();
}

bool InputValues::Borrows(const void* data, size_t size) const {
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const auto end = begin + size;
  return std::any_of(borrowed_.begin(), borrowed_.end(), [&](std::span<const std::byte> b) {
    const auto b_begin = reinterpret_cast<std::uintptr_t>(b.data());
    return begin < b_begin + b.size() && b_begin < end;
  });
}

absl::StatusOr<Tensor> OutputTensor(std::string name, Ort::Value&& value,
                                    const InputValues& inputs) {
  if (!value.IsTensor()) {
    return absl::UnimplementedError(
        fmt::format("output '{}' is not a tensor; tensord serves tensors only", name));
  }
  Ort::TensorTypeAndShapeInfo info = value.GetTensorTypeAndShapeInfo();
  absl::StatusOr<DataType> datatype = DataTypeFromOnnx(info.GetElementType());
  if (!datatype.ok()) return Annotate(datatype.status(), fmt::format("output '{}'", name));
  Tensor out{.name = std::move(name), .datatype = *datatype, .shape = info.GetShape()};

  if (*datatype == DataType::kBytes) {
    const size_t count = info.GetElementCount();
    std::vector<std::byte> bytes;
    if (count > 0) {
      const size_t total = value.GetStringTensorDataLength();
      std::string content(total, '\0');
      std::vector<size_t> offsets(count);
      value.GetStringTensorContent(content.data(), total, offsets.data(), count);
      bytes.reserve(total + 4 * count);
      const std::string_view all = content;
      for (size_t i = 0; i < count; ++i) {
        const size_t end = i + 1 < count ? offsets[i + 1] : total;
        AppendBytesElement(bytes, all.substr(offsets[i], end - offsets[i]));
      }
    }
    out.data = Buffer::FromVector(std::move(bytes));
    return out;
  }

  const size_t size = value.GetTensorSizeInBytes();
  if (size == 0) return out;
  const std::span<const std::byte> bytes(static_cast<const std::byte*>(value.GetTensorRawData()),
                                         size);
  if (inputs.Borrows(bytes.data(), bytes.size())) {
    out.data = Buffer::Copy(bytes);
  } else {
    // No copy: the tensor keeps ONNX Runtime's value (and so its memory) alive.
    out.data = Buffer::View(bytes, std::make_shared<Ort::Value>(std::move(value)));
  }
  return out;
}

}  // namespace tensord::runtime::onnx

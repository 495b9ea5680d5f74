#include "core/tensor.h"

#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord {

Buffer Buffer::FromVector(std::vector<std::byte>&& bytes) {
  auto owned = std::make_shared<std::vector<std::byte>>(std::move(bytes));
  Buffer buffer;
  buffer.bytes_ = std::span<const std::byte>(owned->data(), owned->size());
  buffer.owner_ = std::move(owned);
  return buffer;
}

Buffer Buffer::Copy(std::span<const std::byte> bytes) {
  return FromVector(std::vector<std::byte>(bytes.begin(), bytes.end()));
}

Buffer Buffer::View(std::span<const std::byte> bytes, std::shared_ptr<const void> owner) {
  Buffer buffer;
  buffer.bytes_ = bytes;
  buffer.owner_ = std::move(owner);
  return buffer;
}

void AppendBytesElement(std::vector<std::byte>& out, std::string_view element) {
  const auto length = static_cast<uint32_t>(element.size());
  const size_t at = out.size();
  out.resize(at + 4 + element.size());
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  if (!element.empty()) std::memcpy(out.data() + at + 4, element.data(), element.size());
}

absl::StatusOr<std::vector<std::string_view>> SplitBytesElements(std::span<const std::byte> data,
                                                                 int64_t expected_count) {
  std::vector<std::string_view> elements;
  if (expected_count > 0) {
    // Never reserve more than the data could possibly hold (4 bytes per element at least).
    elements.reserve(static_cast<size_t>(std::min<int64_t>(expected_count, data.size() / 4)));
  }
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 4) {
      return absl::InvalidArgumentError(
          fmt::format("BYTES data has a truncated length prefix at byte {}", at));
    }
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(data[at + i]) << (8 * i);
    at += 4;
    if (length > data.size() - at) {
      return absl::InvalidArgumentError(
          fmt::format("BYTES element {} has length {}, which runs past the end of the data",
                      elements.size(), length));
    }
    elements.emplace_back(reinterpret_cast<const char*>(data.data() + at), length);
    at += length;
  }
  if (expected_count >= 0 && static_cast<int64_t>(elements.size()) != expected_count) {
    return absl::InvalidArgumentError(fmt::format(
        "BYTES data holds {} elements but the shape needs {}", elements.size(), expected_count));
  }
  return elements;
}

absl::Status CheckTensorData(const Tensor& tensor, std::string_view role) {
  absl::StatusOr<int64_t> count = ElementCount(tensor.shape);
  if (!count.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{} '{}': {}", role, tensor.name, Message(count.status())));
  }
  if (tensor.datatype == DataType::kBytes) {
    absl::StatusOr<std::vector<std::string_view>> elements =
        SplitBytesElements(tensor.data.bytes(), *count);
    if (!elements.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("{} '{}': {}", role, tensor.name, Message(elements.status())));
    }
    return absl::OkStatus();
  }
  const size_t element_size = DataTypeByteSize(tensor.datatype);
  if (element_size == 0) {
    return absl::InvalidArgumentError(fmt::format("{} '{}': invalid datatype", role, tensor.name));
  }
  const uint64_t expected_elements = static_cast<uint64_t>(*count);
  if (tensor.data.size() % element_size != 0 ||
      tensor.data.size() / element_size != expected_elements) {
    // Phrase the need without multiplying, which could overflow for a hostile shape.
    return absl::InvalidArgumentError(
        fmt::format("{} '{}': data has {} bytes but shape {} needs {} elements of {} bytes ({})",
                    role, tensor.name, tensor.data.size(), ShapeToString(tensor.shape),
                    expected_elements, element_size, DataTypeName(tensor.datatype)));
  }
  return absl::OkStatus();
}

}  // namespace tensord

// Tensors as they travel through tensord: a name, a datatype, a shape and a read-only view
// of the element bytes together with whatever keeps those bytes alive. Frontends make
// tensors that view the received message (no copy); runtimes make tensors that own their
// output (or view a runtime-allocated value kept alive by the owner).
//
//   Tensor t{.name = "x", .datatype = DataType::kFp32, .shape = {1, 4},
//            .data = Buffer::FromVector(std::move(bytes))};
//   std::span<const float> v = t.data.as<float>();
//
// Element layout: fixed-size types are row-major, little-endian. BYTES elements are stored
// as Triton's binary form: each element is a 4-byte little-endian length then its bytes.
#pragma once

#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "core/datatype.h"
#include "core/shape.h"

namespace tensord {

// A read-only byte range and a shared owner that keeps it valid. Cheap to copy.
class Buffer {
 public:
  Buffer() = default;

  // Takes ownership of `bytes`.
  static Buffer FromVector(std::vector<std::byte>&& bytes);
  // Copies `bytes` into a new owned buffer.
  static Buffer Copy(std::span<const std::byte> bytes);
  // Views `bytes`; `owner` must keep them alive (may be null for static data).
  static Buffer View(std::span<const std::byte> bytes, std::shared_ptr<const void> owner);

  const std::byte* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::span<const std::byte> bytes() const { return bytes_; }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // The bytes as elements of T; the caller has checked the datatype and that the view is
  // aligned for T. Read<T>() works on any view (binary payloads may be unaligned).
  template <typename T>
  std::span<const T> as() const {
    return {reinterpret_cast<const T*>(bytes_.data()), bytes_.size() / sizeof(T)};
  }
  template <typename T>
  T Read(size_t index) const {
    T value;
    std::memcpy(&value, bytes_.data() + index * sizeof(T), sizeof(T));
    return value;
  }

 private:
  std::span<const std::byte> bytes_;
  std::shared_ptr<const void> owner_;
};

// Request, tensor and response parameters of the protocol.
using ParameterValue = std::variant<bool, int64_t, double, std::string>;
using Parameters = std::map<std::string, ParameterValue, std::less<>>;

struct Tensor {
  std::string name;
  DataType datatype = DataType::kInvalid;
  Shape shape;
  Buffer data;
  Parameters parameters;
};

// BYTES helpers for the length-prefixed element layout.
//   Appends one element.
void AppendBytesElement(std::vector<std::byte>& out, std::string_view element);
//   Splits a BYTES buffer into its elements; InvalidArgument when a length prefix runs
//   past the end, or when the element count differs from `expected_count` (if >= 0).
absl::StatusOr<std::vector<std::string_view>> SplitBytesElements(std::span<const std::byte> data,
                                                                 int64_t expected_count = -1);

// Checks that `tensor.data` holds exactly the elements `tensor.shape` calls for
// (byte size for fixed-size types, element count and framing for BYTES). The message
// names the tensor: "input 'x': ...". `role` is "input" or "output".
absl::Status CheckTensorData(const Tensor& tensor, std::string_view role);

}  // namespace tensord

// A growable byte buffer that always keeps kPadding readable zero bytes after its
// contents, so simdjson can parse it in place (it reads up to 64 bytes past the end).
// Request bodies are received into one; tensors of the binary data extension then view
// slices of it, with the shared_ptr that holds the buffer as their owner.
//
//   auto body = std::make_shared<PaddedBuffer>();
//   body->Append(chunk.data(), chunk.size());   // grows geometrically, never from a
//                                               // client-announced size
//   parser.parse(body->data(), body->size(), /*realloc_if_needed=*/false);
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace tensord::http {

class PaddedBuffer {
 public:
  // simdjson's SIMDJSON_PADDING; checked against it in padded_buffer.cc.
  static constexpr size_t kPadding = 64;

  PaddedBuffer() = default;
  explicit PaddedBuffer(std::string_view contents) { Append(contents.data(), contents.size()); }
  PaddedBuffer(const PaddedBuffer&) = delete;
  PaddedBuffer& operator=(const PaddedBuffer&) = delete;

  // Makes room for `bytes` more without reallocating. Callers bound `bytes` by what they
  // will really receive (see PaddedBody: at most one read's worth ahead of the data).
  void Reserve(size_t bytes);
  void Append(const void* bytes, size_t size);
  // Writable space for exactly `size` more bytes, committed with Commit(size).
  char* Prepare(size_t size);
  void Commit(size_t size);

  const char* data() const { return data_ ? data_.get() : kEmpty; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data(), size_}; }
  std::span<const std::byte> bytes() const {
    return {reinterpret_cast<const std::byte*>(data()), size_};
  }

 private:
  static constexpr char kEmpty[kPadding] = {};
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;  // usable bytes, not counting the padding
};

}  // namespace tensord::http

#include "frontend/http/padded_buffer.h"

#include <algorithm>
#include <cstring>

#include "simdjson.h"

namespace tensord::http {

static_assert(PaddedBuffer::kPadding >= simdjson::SIMDJSON_PADDING);

void PaddedBuffer::Reserve(size_t bytes) {
  if (capacity_ - size_ >= bytes) return;
  // Grow at least geometrically so appends stay amortized O(1).
  const size_t capacity = std::max(size_ + bytes, capacity_ + capacity_ / 2);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity + kPadding);
  if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
  // Only the padding is zeroed: pages of a large reservation stay untouched (not resident)
  // until data really arrives.
  std::memset(grown.get() + size_, 0, kPadding);
  data_ = std::move(grown);
  capacity_ = capacity;
}

void PaddedBuffer::Append(const void* bytes, size_t size) {
  if (size == 0) return;
  std::memcpy(Prepare(size), bytes, size);
  Commit(size);
}

char* PaddedBuffer::Prepare(size_t size) {
  Reserve(size);
  return data_.get() + size_;
}

void PaddedBuffer::Commit(size_t size) {
  if (size == 0) return;
  size_ += size;
  // Zero the padding right after the contents: simdjson needs it readable, and zeros
  // keep tools like valgrind quiet.
  std::memset(data_.get() + size_, 0, kPadding);
}

}  // namespace tensord::http

#include "frontend/http/header_arena.h"

#include <algorithm>
#include <limits>
#include <new>

namespace tensord::http {

void* HeaderArena::AllocateIn(Block& block, size_t size, size_t alignment) {
  const size_t start = (used_ + alignment - 1) & ~(alignment - 1);
  if (start > block.size || block.size - start < size) return nullptr;
  used_ = start + size;
  return block.bytes.get() + start;
}

void* HeaderArena::Allocate(size_t size, size_t alignment) {
  if (current_ == nullptr) {
    if (first_.bytes == nullptr) {
      first_.bytes = std::make_unique_for_overwrite<std::byte[]>(kFirstBlock);
      first_.size = kFirstBlock;
    }
    current_ = &first_;
    used_ = 0;
  }
  if (void* p = AllocateIn(*current_, size, alignment)) return p;
  // A new block, twice the last and large enough for this allocation (new[] aligns it for
  // any fundamental type).
  if (size > std::numeric_limits<size_t>::max() / 4) throw std::bad_alloc();
  const size_t bytes = std::max(current_->size * 2, size + alignment);
  extra_.push_back({std::make_unique_for_overwrite<std::byte[]>(bytes), bytes});
  current_ = &extra_.back();
  used_ = 0;
  return AllocateIn(*current_, size, alignment);
}

void HeaderArena::Reset() {
  extra_.clear();
  current_ = first_.bytes != nullptr ? &first_ : nullptr;
  used_ = 0;
}

}  // namespace tensord::http

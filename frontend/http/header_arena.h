// Memory for one request's header fields, reused from request to request of a connection:
// Beast's parser allocates every field, the target and the method separately, five or more
// heap allocations a request that a bump allocator reset between requests makes none.
//
//   HeaderArena arena;                                   // one per connection
//   parser.emplace(std::piecewise_construct, std::make_tuple(),
//                  std::make_tuple(HeaderAllocator<char>(&arena)));
//   ...                                                  // the request is answered
//   parser.reset();
//   arena.Reset();                                       // before the next parser
//
// Frees nothing one by one: what a request's fields took comes back at Reset, which keeps
// the first block (kFirstBlock bytes, allocated on first use) and frees the larger blocks an
// unusually big header needed. How much one request can take is bounded by the parser's
// header limit, as it was with the heap.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace tensord::http {

class HeaderArena {
 public:
  static constexpr size_t kFirstBlock = 2048;

  HeaderArena() = default;
  HeaderArena(const HeaderArena&) = delete;
  HeaderArena& operator=(const HeaderArena&) = delete;

  // `size` bytes aligned to `alignment` (a power of two, at most alignof(max_align_t)).
  void* Allocate(size_t size, size_t alignment);
  // Everything allocated since the last Reset is free again; the first block stays.
  void Reset();

  // The blocks held beyond the first (for tests).
  size_t extra_blocks() const { return extra_.size(); }

 private:
  struct Block {
    std::unique_ptr<std::byte[]> bytes;
    size_t size = 0;
  };
  void* AllocateIn(Block& block, size_t size, size_t alignment);

  Block first_;
  std::vector<Block> extra_;  // larger blocks, freed at Reset
  Block* current_ = nullptr;  // where the next allocation goes
  size_t used_ = 0;           // bytes of *current_ handed out
};

// A standard allocator over a HeaderArena (for boost::beast::http::basic_fields).
template <typename T>
class HeaderAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  using is_always_equal = std::false_type;

  explicit HeaderAllocator(HeaderArena* arena) : arena_(arena) {}
  template <typename U>
  HeaderAllocator(const HeaderAllocator<U>& other) : arena_(other.arena()) {}  // NOLINT

  T* allocate(size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    return static_cast<T*>(arena_->Allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T*, size_t) {}  // returned at HeaderArena::Reset

  HeaderArena* arena() const { return arena_; }
  template <typename U>
  bool operator==(const HeaderAllocator<U>& other) const {
    return arena_ == other.arena();
  }
  template <typename U>
  bool operator!=(const HeaderAllocator<U>& other) const {
    return arena_ != other.arena();
  }

 private:
  HeaderArena* arena_;
};

}  // namespace tensord::http

// The shared memory one worker process and tensord exchange tensors through: a memfd that
// both map (MAP_SHARED). tensord writes a request's inputs, the worker overwrites them with
// its outputs (after copying the inputs out), growing the file when they do not fit; the
// reply says the new size and tensord maps it again.
//
//   absl::StatusOr<ShmArena> arena = ShmArena::Create("tensord-python-m", 1 << 20);
//   if (absl::Status s = arena->Reserve(bytes_needed); !s.ok()) ...
//   std::memcpy(arena->data() + offset, src, n);
//   ... the worker replies with arena_size ...
//   if (absl::Status s = arena->Follow(reply.arena_size); !s.ok()) ...
//
// One thread at a time (the instance that owns it). fd() is inherited by the worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace tensord::runtime::python {

class ShmArena {
 public:
  static absl::StatusOr<ShmArena> Create(const std::string& name, uint64_t size);
  ShmArena(ShmArena&& other) noexcept;
  ShmArena& operator=(ShmArena&& other) noexcept;
  ShmArena(const ShmArena&) = delete;
  ShmArena& operator=(const ShmArena&) = delete;
  ~ShmArena();

  int fd() const { return fd_; }
  std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }

  // Grows the arena (file and mapping) to hold at least `bytes`; never shrinks it.
  absl::Status Reserve(uint64_t bytes);
  // Maps the arena again at `size` bytes, which the worker grew the file to; Internal when
  // the file is smaller than that.
  absl::Status Follow(uint64_t size);

 private:
  ShmArena(int fd, std::byte* data, uint64_t size) : fd_(fd), data_(data), size_(size) {}
  absl::Status Map(uint64_t size);
  void Release();

  int fd_ = -1;
  std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace tensord::runtime::python

#include "runtime/python/shm_arena.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "fmt/format.h"

namespace tensord::runtime::python {

absl::StatusOr<ShmArena> ShmArena::Create(const std::string& name, uint64_t size) {
  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) {
    return absl::ResourceExhaustedError(fmt::format(
        "cannot create the shared memory of a python worker: {}", std::strerror(errno)));
  }
  ShmArena arena(fd, nullptr, 0);
  if (absl::Status s = arena.Reserve(size); !s.ok()) return s;
  return arena;
}

ShmArena::ShmArena(ShmArena&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

ShmArena& ShmArena::operator=(ShmArena&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ShmArena::~ShmArena() { Release(); }

void ShmArena::Release() {
  if (data_ != nullptr) munmap(data_, size_);
  if (fd_ >= 0) close(fd_);
  data_ = nullptr;
  fd_ = -1;
  size_ = 0;
}

absl::Status ShmArena::Map(uint64_t size) {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
  if (size == 0) return absl::OkStatus();
  void* mapped = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (mapped == MAP_FAILED) {
    return absl::ResourceExhaustedError(fmt::format(
        "cannot map {} bytes of a python worker's shared memory: {}", size, std::strerror(errno)));
  }
  data_ = static_cast<std::byte*>(mapped);
  size_ = size;
  return absl::OkStatus();
}

absl::Status ShmArena::Reserve(uint64_t bytes) {
  if (bytes <= size_) return absl::OkStatus();
  // Grow by doubling at least, so a slowly growing workload remaps rarely.
  uint64_t size = std::max<uint64_t>(bytes, size_ * 2);
  size = (size + 4095) & ~uint64_t{4095};
  if (ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    return absl::ResourceExhaustedError(fmt::format(
        "cannot grow a python worker's shared memory to {} bytes: {}", size, std::strerror(errno)));
  }
  return Map(size);
}

absl::Status ShmArena::Follow(uint64_t size) {
  if (size == size_) return absl::OkStatus();
  struct stat info {};
  if (fstat(fd_, &info) != 0 || static_cast<uint64_t>(info.st_size) < size) {
    return absl::InternalError(
        fmt::format("the python worker says its shared memory holds {} bytes, the file has {}",
                    size, static_cast<uint64_t>(info.st_size)));
  }
  return Map(size);
}

}  // namespace tensord::runtime::python

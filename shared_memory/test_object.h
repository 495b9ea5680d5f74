// A POSIX shared-memory object for tests: created with a unique key, unlinked on exit.
//
//   TestObject object(4096);
//   object.bytes()[0] = std::byte{7};   // what the server sees through a region on it
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <span>
#include <string>

#include "fmt/format.h"

namespace tensord::shm::testing {

class TestObject {
 public:
  explicit TestObject(size_t size) : size_(size) {
    static std::atomic<int> counter{0};
    key_ = fmt::format("/tensord_test_{}_{}", getpid(), counter++);
    const int fd = shm_open(key_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) std::abort();
    mapping_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mapping_ == MAP_FAILED) std::abort();
  }
  ~TestObject() {
    munmap(mapping_, size_);
    shm_unlink(key_.c_str());
  }
  TestObject(const TestObject&) = delete;
  TestObject& operator=(const TestObject&) = delete;

  const std::string& key() const { return key_; }
  std::span<std::byte> bytes() { return {static_cast<std::byte*>(mapping_), size_}; }

 private:
  size_t size_;
  std::string key_;
  void* mapping_ = nullptr;
};

}  // namespace tensord::shm::testing

#include "shared_memory/mapped_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "fmt/format.h"

namespace tensord::shm {
namespace {

absl::Status MapError(const RegionInfo& info, std::string_view problem) {
  return absl::InvalidArgumentError(
      fmt::format("cannot register system shared memory region '{}' (key '{}'): {}", info.name,
                  info.key, problem));
}

// Closes the descriptor once mapped (a mapping does not need it).
struct Descriptor {
  int fd = -1;
  ~Descriptor() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

absl::StatusOr<std::shared_ptr<MappedRegion>> MappedRegion::Map(RegionInfo info) {
  if (info.byte_size == 0) return MapError(info, "byte_size must be greater than 0");
  if (info.offset > std::numeric_limits<uint64_t>::max() - info.byte_size) {
    return MapError(info, "offset + byte_size overflows");
  }
  Descriptor object{.fd = shm_open(info.key.c_str(), O_RDWR, 0)};
  if (object.fd < 0) {
    const int error = errno;
    return MapError(info,
                    fmt::format("cannot open the shared memory object: {}", std::strerror(error)));
  }
  struct stat status {};
  if (fstat(object.fd, &status) != 0) {
    const int error = errno;
    return MapError(info,
                    fmt::format("cannot stat the shared memory object: {}", std::strerror(error)));
  }
  const auto object_size = static_cast<uint64_t>(status.st_size);
  if (info.offset + info.byte_size > object_size) {
    return MapError(info, fmt::format("offset {} + byte_size {} is past the end of the object "
                                      "({} bytes)",
                                      info.offset, info.byte_size, object_size));
  }
  // mmap wants a page-aligned offset: map from the page holding `offset`.
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t start = info.offset / page * page;
  const uint64_t lead = info.offset - start;
  const uint64_t length = lead + info.byte_size;
  if (length > std::numeric_limits<size_t>::max() ||
      start > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
    return MapError(info, "the region is too large to map");
  }
  void* mapping = mmap(nullptr, static_cast<size_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED,
                       object.fd, static_cast<off_t>(start));
  if (mapping == MAP_FAILED) {
    const int error = errno;
    return MapError(info,
                    fmt::format("cannot map the shared memory object: {}", std::strerror(error)));
  }
  std::span<std::byte> bytes(static_cast<std::byte*>(mapping) + lead,
                             static_cast<size_t>(info.byte_size));
  return std::shared_ptr<MappedRegion>(
      new MappedRegion(std::move(info), mapping, static_cast<size_t>(length), bytes));
}

MappedRegion::~MappedRegion() { munmap(mapping_, mapping_size_); }

}  // namespace tensord::shm

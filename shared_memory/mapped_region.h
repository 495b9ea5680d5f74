// One registered system shared-memory region: a POSIX shared-memory object (shm_open(key))
// mapped read-write from `offset` for `byte_size` bytes.
//
//   absl::StatusOr<std::shared_ptr<MappedRegion>> region =
//       MappedRegion::Map({.name = "in", .key = "/input_simple", .offset = 0, .byte_size = 64});
//   std::span<std::byte> bytes = (*region)->bytes();   // exactly the region, nothing more
//
// The mapping lives as long as the object: holders (a request reading inputs from it, one
// writing outputs into it) keep a shared_ptr, so unregistering a region while a request
// uses it never leaves that request with a dangling pointer.
//
// Map refuses a region that would extend past the end of the object as it is now (a read
// there would fault). A client may still shrink the object afterwards (ftruncate): every
// access to bytes() goes through GuardedCopy (shared_memory/guarded_copy.h), which turns
// the fault into an error (Triton trusts registered objects not to shrink, and crashes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace tensord::shm {

struct RegionInfo {
  std::string name;  // the client's name for the region
  std::string key;   // the shared-memory object, as given to shm_open
  uint64_t offset = 0;
  uint64_t byte_size = 0;
};

class MappedRegion {
 public:
  // InvalidArgument naming the region and the key when the object cannot be opened or
  // mapped, when byte_size is 0, or when offset + byte_size is past the object's end.
  static absl::StatusOr<std::shared_ptr<MappedRegion>> Map(RegionInfo info);

  ~MappedRegion();
  MappedRegion(const MappedRegion&) = delete;
  MappedRegion& operator=(const MappedRegion&) = delete;

  const RegionInfo& info() const { return info_; }
  // The region's bytes (the mapping starts at the page below `offset`; this skips to it).
  std::span<std::byte> bytes() const { return bytes_; }

 private:
  MappedRegion(RegionInfo info, void* mapping, size_t mapping_size, std::span<std::byte> bytes)
      : info_(std::move(info)), mapping_(mapping), mapping_size_(mapping_size), bytes_(bytes) {}

  const RegionInfo info_;
  void* const mapping_;
  const size_t mapping_size_;
  const std::span<std::byte> bytes_;
};

}  // namespace tensord::shm

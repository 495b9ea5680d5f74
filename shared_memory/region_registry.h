// The system shared-memory regions clients have registered, by name (Triton's system
// shared-memory extension). One registry per server, used by both frontends through the
// service interface.
//
//   RegionRegistry registry({.max_regions = 64});
//   absl::Status ok = registry.Register({.name = "in", .key = "/in", .byte_size = 64});
//   absl::StatusOr<std::shared_ptr<MappedRegion>> region = registry.Find("in");
//   registry.Unregister("in");   // `region` stays mapped until its last holder lets go
//
// Thread-safe. Register maps the object (a few system calls, no I/O of the data).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "shared_memory/mapped_region.h"

namespace tensord::shm {

class RegionRegistry {
 public:
  struct Options {
    // The most regions registered at once: each holds a mapping and a descriptor's worth
    // of kernel state, and clients are not trusted to clean up.
    size_t max_regions = 256;
    // false: every call is refused (Triton's --allow-client-shm=false).
    bool allowed = true;
  };

  explicit RegionRegistry(Options options) : options_(options) {}

  // AlreadyExists for a name in use (Triton's code); ResourceExhausted at max_regions;
  // InvalidArgument for a bad name or a region that cannot be mapped (MappedRegion::Map).
  absl::Status Register(RegionInfo info);
  // "" unregisters every region. NotFound for an unknown name.
  absl::Status Unregister(std::string_view name);
  // Every region ("") or one; NotFound for an unknown name. Sorted by name.
  absl::StatusOr<std::vector<RegionInfo>> Status(std::string_view name) const;
  // NotFound "Unable to find system shared memory region: '<name>'" (Triton's words).
  absl::StatusOr<std::shared_ptr<MappedRegion>> Find(std::string_view name) const;

 private:
  absl::Status CheckAllowed() const;

  const Options options_;
  mutable absl::Mutex mutex_;
  std::map<std::string, std::shared_ptr<MappedRegion>, std::less<>> regions_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace tensord::shm

#include "shared_memory/region_registry.h"

#include "fmt/format.h"

namespace tensord::shm {
namespace {

absl::Status NotFound(std::string_view name) {
  return absl::NotFoundError(fmt::format("Unable to find system shared memory region: '{}'", name));
}

}  // namespace

absl::Status RegionRegistry::CheckAllowed() const {
  if (options_.allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "system shared memory is disabled on this server (--allow-client-shm=false)");
}

absl::Status RegionRegistry::Register(RegionInfo info) {
  if (absl::Status allowed = CheckAllowed(); !allowed.ok()) return allowed;
  if (info.name.empty()) {
    return absl::InvalidArgumentError(
        "cannot register a system shared memory region without a "
        "name");
  }
  if (info.key.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "cannot register system shared memory region '{}': 'key' must name a shared memory "
        "object",
        info.name));
  }
  {
    absl::MutexLock lock(&mutex_);
    if (regions_.contains(info.name)) {
      // Triton's words and code.
      return absl::AlreadyExistsError(
          fmt::format("shared memory region '{}' already in manager", info.name));
    }
    if (regions_.size() >= options_.max_regions) {
      return absl::ResourceExhaustedError(
          fmt::format("cannot register system shared memory region '{}': the server's limit of {} "
                      "registered regions is reached; unregister some first",
                      info.name, options_.max_regions));
    }
  }
  // Mapped outside the lock; a racing registration of the same name is caught below.
  absl::StatusOr<std::shared_ptr<MappedRegion>> mapped = MappedRegion::Map(std::move(info));
  if (!mapped.ok()) return mapped.status();
  absl::MutexLock lock(&mutex_);
  const std::string& name = (*mapped)->info().name;
  if (regions_.contains(name)) {
    return absl::AlreadyExistsError(
        fmt::format("shared memory region '{}' already in manager", name));
  }
  if (regions_.size() >= options_.max_regions) {
    return absl::ResourceExhaustedError(
        fmt::format("cannot register system shared memory region '{}': the server's limit of {} "
                    "registered regions is reached; unregister some first",
                    name, options_.max_regions));
  }
  regions_.emplace(name, *std::move(mapped));
  return absl::OkStatus();
}

absl::Status RegionRegistry::Unregister(std::string_view name) {
  if (absl::Status allowed = CheckAllowed(); !allowed.ok()) return allowed;
  // Dropped after the lock: the last unmap may be the registry's own.
  std::map<std::string, std::shared_ptr<MappedRegion>, std::less<>> dropped;
  absl::MutexLock lock(&mutex_);
  if (name.empty()) {
    dropped.swap(regions_);
    return absl::OkStatus();
  }
  auto found = regions_.find(name);
  if (found == regions_.end()) return NotFound(name);
  dropped.insert(regions_.extract(found));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RegionInfo>> RegionRegistry::Status(std::string_view name) const {
  if (absl::Status allowed = CheckAllowed(); !allowed.ok()) return allowed;
  absl::MutexLock lock(&mutex_);
  std::vector<RegionInfo> status;
  if (!name.empty()) {
    auto found = regions_.find(name);
    if (found == regions_.end()) return NotFound(name);
    status.push_back(found->second->info());
    return status;
  }
  status.reserve(regions_.size());
  for (const auto& [region_name, region] : regions_) status.push_back(region->info());
  return status;
}

absl::StatusOr<std::shared_ptr<MappedRegion>> RegionRegistry::Find(std::string_view name) const {
  if (absl::Status allowed = CheckAllowed(); !allowed.ok()) return allowed;
  absl::MutexLock lock(&mutex_);
  auto found = regions_.find(name);
  if (found == regions_.end()) return NotFound(name);
  return found->second;
}

}  // namespace tensord::shm

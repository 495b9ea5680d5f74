// Binds a request's tensors to registered regions: inputs are copied out of their region
// and outputs are written into theirs once the inference is done, both through
// GuardedCopy (shared_memory/guarded_copy.h), so a client that shrinks its object while a
// request uses it gets an error instead of crashing the server. One memcpy, no socket.
//
//   if (absl::Status s = BindInputs(registry, *request); !s.ok()) return s;     // 400s
//   absl::StatusOr<OutputTargets> targets = FindOutputTargets(registry, *request);
//   ... inference ...
//   absl::Status written = WriteOutputs(*targets, *response);
//
// Each bound input holds its region's mapping (Buffer owner) and each target holds its
// own, so a region unregistered meanwhile stays mapped until the request is done. Every
// problem is an error that names the tensor and the region: unknown region (NotFound),
// offset/size outside the region, size that does not match the tensor (InvalidArgument).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/shared_memory_parameters.h"
#include "shared_memory/region_registry.h"

namespace tensord::shm {

// The `size` bytes at `offset` in `region`; InvalidArgument naming `context` and the
// region when they are not all inside it.
absl::StatusOr<std::span<std::byte>> Slice(const MappedRegion& region, uint64_t offset,
                                           uint64_t size, std::string_view context);

// Replaces the data of every input with shared-memory parameters by a copy of its region.
// The byte size must be the tensor's (fixed-size types) or hold exactly its elements
// (BYTES).
absl::Status BindInputs(const RegionRegistry& registry, InferRequest& request);

struct OutputTarget {
  std::string output;  // the requested output's name
  SharedMemoryRef ref;
  std::shared_ptr<MappedRegion> region;
  std::span<std::byte> bytes;  // where the output goes: ref.byte_size bytes of `region`
};
using OutputTargets = std::vector<OutputTarget>;

// The requested outputs that go to shared memory, checked against their regions.
absl::StatusOr<OutputTargets> FindOutputTargets(const RegionRegistry& registry,
                                                const InferRequest& request);

// Copies each targeted output into its region, then leaves the output without data and
// with the parameters shared_memory_region, shared_memory_offset and
// shared_memory_byte_size (the bytes written). InvalidArgument when an output is larger
// than its target.
absl::Status WriteOutputs(const OutputTargets& targets, InferResponse& response);

}  // namespace tensord::shm

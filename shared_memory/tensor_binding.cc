#include "shared_memory/tensor_binding.h"

#include <cstring>
#include <optional>
#include <vector>

#include "core/status_util.h"
#include "fmt/format.h"
#include "shared_memory/guarded_copy.h"

namespace tensord::shm {
namespace {

absl::Status ShrankError(std::string_view context, std::string_view region) {
  return absl::InvalidArgumentError(
      fmt::format("{}: shared memory region '{}' could not be accessed: its object was shrunk "
                  "below the registered offset and byte_size after registration",
                  context, region));
}

}  // namespace

absl::StatusOr<std::span<std::byte>> Slice(const MappedRegion& region, uint64_t offset,
                                           uint64_t size, std::string_view context) {
  const uint64_t region_size = region.bytes().size();
  // Written so that nothing overflows: offset alone first, then the size left after it.
  if (offset > region_size || size > region_size - offset) {
    return absl::InvalidArgumentError(
        fmt::format("{}: shared memory offset {} + byte size {} is outside region '{}' ({} bytes)",
                    context, offset, size, region.info().name, region_size));
  }
  return region.bytes().subspan(static_cast<size_t>(offset), static_cast<size_t>(size));
}

namespace {

// A tensor's shared-memory reference resolved: its parameters parsed, its region found and
// the bytes it names checked to lie inside it. nullopt when the tensor names no region.
struct Resolved {
  SharedMemoryRef ref;
  std::shared_ptr<MappedRegion> region;
  std::span<std::byte> bytes;
};

absl::StatusOr<std::optional<Resolved>> Resolve(const RegionRegistry& registry,
                                                const Parameters& parameters,
                                                std::string_view context) {
  absl::StatusOr<std::optional<SharedMemoryRef>> ref = SharedMemoryRefFrom(parameters, context);
  if (!ref.ok()) return ref.status();
  if (!ref->has_value()) return std::nullopt;
  absl::StatusOr<std::shared_ptr<MappedRegion>> region = registry.Find((*ref)->region);
  if (!region.ok()) return Annotate(region.status(), context);
  absl::StatusOr<std::span<std::byte>> bytes =
      Slice(**region, (*ref)->offset, (*ref)->byte_size, context);
  if (!bytes.ok()) return bytes.status();
  return Resolved{.ref = **std::move(ref), .region = *std::move(region), .bytes = *bytes};
}

}  // namespace

absl::Status BindInputs(const RegionRegistry& registry, InferRequest& request) {
  for (Tensor& input : request.inputs) {
    if (input.parameters.empty()) continue;  // the common case, without a formatted context
    const std::string context = fmt::format("input '{}'", input.name);
    absl::StatusOr<std::optional<Resolved>> resolved = Resolve(registry, input.parameters, context);
    if (!resolved.ok()) return resolved.status();
    if (!resolved->has_value()) continue;
    const SharedMemoryRef& ref = (*resolved)->ref;
    const std::span<const std::byte> bytes = (*resolved)->bytes;
    if (input.datatype != DataType::kBytes) {
      absl::StatusOr<int64_t> count = ElementCount(input.shape);
      if (!count.ok()) return Annotate(count.status(), context);
      const uint64_t needed = static_cast<uint64_t>(*count) * DataTypeByteSize(input.datatype);
      if (needed != ref.byte_size) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: shared_memory_byte_size is {} but shape {} of {} needs {} bytes (region '{}')",
            context, ref.byte_size, ShapeToString(input.shape), DataTypeName(input.datatype),
            needed, ref.region));
      }
    }
    // A copy, not a view: the client could shrink the object while the model reads it,
    // and a fault inside the runtime would end the server (shared_memory/guarded_copy.h).
    std::vector<std::byte> copy(bytes.size());
    if (!GuardedCopy(copy.data(), bytes.data(), bytes.size())) {
      return ShrankError(context, ref.region);
    }
    input.data = Buffer::FromVector(std::move(copy));
    if (absl::Status valid = CheckTensorData(input, "input"); !valid.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("{} (read from shared memory region '{}')", Message(valid), ref.region));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OutputTargets> FindOutputTargets(const RegionRegistry& registry,
                                                const InferRequest& request) {
  OutputTargets targets;
  for (const RequestedOutput& output : request.outputs) {
    if (output.parameters.empty()) continue;
    const std::string context = fmt::format("output '{}'", output.name);
    absl::StatusOr<std::optional<Resolved>> resolved =
        Resolve(registry, output.parameters, context);
    if (!resolved.ok()) return resolved.status();
    if (!resolved->has_value()) continue;
    Resolved& target = **resolved;
    targets.push_back({.output = output.name,
                       .ref = std::move(target.ref),
                       .region = std::move(target.region),
                       .bytes = target.bytes});
  }
  return targets;
}

absl::Status WriteOutputs(const OutputTargets& targets, InferResponse& response) {
  for (const OutputTarget& target : targets) {
    for (Tensor& output : response.outputs) {
      if (output.name != target.output) continue;
      if (output.data.size() > target.bytes.size()) {
        return absl::InvalidArgumentError(fmt::format(
            "output '{}': shared_memory_byte_size {} (region '{}') is too small for the {} "
            "bytes of the result (shape {})",
            output.name, target.bytes.size(), target.ref.region, output.data.size(),
            ShapeToString(output.shape)));
      }
      if (!output.data.empty() &&
          !GuardedCopy(target.bytes.data(), output.data.data(), output.data.size())) {
        return ShrankError(fmt::format("output '{}'", output.name), target.ref.region);
      }
      output.parameters.insert_or_assign(std::string(kSharedMemoryRegion), target.ref.region);
      output.parameters.insert_or_assign(std::string(kSharedMemoryOffset),
                                         static_cast<int64_t>(target.ref.offset));
      output.parameters.insert_or_assign(std::string(kSharedMemoryByteSize),
                                         static_cast<int64_t>(output.data.size()));
      output.data = Buffer();
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace tensord::shm

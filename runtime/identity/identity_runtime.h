// Triton's identity backend (config.pbtxt `backend: "identity"`): a model that answers
// each input INPUT<k> as its output OUTPUT<k>, unchanged. Triton's own tests and overhead
// measurements use it as the trivial model, and repositories made for Triton that hold
// such models load here as they are. No model file: a version folder may be empty.
//
//   RuntimeRegistry registry;
//   absl::Status s = identity::RegisterIdentityRuntime(registry);  // platform "identity"
//
// The config must declare the tensors (there is no file to read them from), as Triton
// requires: as many outputs as inputs, input INPUT<k> paired with output OUTPUT<k> (any
// suffix, "INPUT0" / "OUTPUT0", "INPUT_a" / "OUTPUT_a"), each pair of one datatype and one
// shape (dims, or reshape where set). Anything else is a load error naming the tensor.
//
// Parameters: `execute_delay_ms` (a whole number of milliseconds, at most an hour) makes
// each execution sleep that long first, as Triton's does, to stand in for a slow model.
//
// Outputs are views of the inputs' buffers (no copy); with dynamic batching the scheduler
// merges and splits rows as for any model.
#pragma once

#include "absl/status/status.h"
#include "runtime/runtime.h"

namespace tensord::runtime::identity {

inline constexpr char kPlatform[] = "identity";

absl::Status RegisterIdentityRuntime(RuntimeRegistry& registry);

}  // namespace tensord::runtime::identity

// Copies to or from a client's shared-memory region without letting the client crash the
// server: a region whose object the client shrank after registering it (ftruncate) makes
// an access past the object's new end raise SIGBUS, which here ends only the copy.
//
//   if (!GuardedCopy(destination, region_bytes.data(), size)) {
//     return absl::InvalidArgumentError("... the object shrank while in use ...");
//   }
//
// How: a SIGBUS handler installed on first use jumps back to the copy that faulted (a
// thread-local jump buffer armed only for its duration). SIGBUS anywhere else is handed to
// the handler that was there before (ASan's, or the default: the process ends). The copy
// holds no lock and allocates nothing, so leaving it half done is safe. Thread-safe.
#pragma once

#include <cstddef>

namespace tensord::shm {

// memmove(destination, source, size); false when either side faulted (SIGBUS) part way.
bool GuardedCopy(void* destination, const void* source, size_t size);

}  // namespace tensord::shm

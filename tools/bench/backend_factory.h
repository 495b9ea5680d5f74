// Makes the backend a BenchOptions asks for (--backend / -i, -u, --model-repository).
//
//   absl::StatusOr<BackendPtr> backend = MakeBackend(options);
#pragma once

#include "absl/status/statusor.h"
#include "tools/bench/backend.h"
#include "tools/bench/bench_options.h"

namespace tensord::bench {

absl::StatusOr<BackendPtr> MakeBackend(const BenchOptions& options);

}  // namespace tensord::bench

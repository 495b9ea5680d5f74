#include "tools/bench/backend_factory.h"

#include "tools/bench/grpc_backend.h"
#include "tools/bench/inprocess_backend.h"
#include "tools/bench/rest_backend.h"

namespace tensord::bench {

std::string_view BackendName(BackendKind kind) {
  switch (kind) {
    case BackendKind::kRestJson:
      return "rest-json";
    case BackendKind::kRestBinary:
      return "rest-binary";
    case BackendKind::kGrpc:
      return "grpc";
    case BackendKind::kGrpcStream:
      return "grpc-stream";
    case BackendKind::kInProcess:
      return "inprocess";
  }
  return "?";
}

absl::StatusOr<BackendPtr> MakeBackend(const BenchOptions& o) {
  switch (o.backend) {
    case BackendKind::kRestJson:
    case BackendKind::kRestBinary: {
      RestOptions rest{
          .model = o.model, .version = o.version, .binary = o.backend == BackendKind::kRestBinary};
      if (absl::Status s = ParseHostPort(o.url, 8000, rest.host, rest.port); !s.ok()) return s;
      return MakeRestBackend(rest);
    }
    case BackendKind::kGrpc:
    case BackendKind::kGrpcStream: {
      std::string host;
      uint16_t port = 0;
      if (absl::Status s = ParseHostPort(o.url, 8001, host, port); !s.ok()) return s;
      return MakeGrpcBackend({.target = host + ":" + std::to_string(port),
                              .model = o.model,
                              .version = o.version,
                              .streaming = o.backend == BackendKind::kGrpcStream});
    }
    case BackendKind::kInProcess:
      return MakeInProcessBackend({.model_repository = o.model_repository,
                                   .model = o.model,
                                   .version = o.version,
                                   .instance_count = o.parallel_workers});
  }
  return absl::InvalidArgumentError("unknown backend");
}

}  // namespace tensord::bench

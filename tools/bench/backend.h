// The client backends behind one interface: REST JSON, REST binary tensors, gRPC unary,
// gRPC streaming and in-process. A Backend answers control-plane questions and makes one
// Client per load worker; each Client owns one connection (or stream) and sends the
// prepared requests synchronously.
//
//   absl::StatusOr<BackendPtr> backend = MakeBackend(options);     // backend_factory.h
//   absl::StatusOr<ModelInfo> info = (*backend)->Metadata();
//   (*backend)->Prepare(requests);                                 // encodes bodies once
//   absl::StatusOr<ClientPtr> client = (*backend)->NewClient();    // one per worker
//   CallTiming timing;
//   absl::Status status = (*client)->Infer(/*request_index=*/0, timing);
//
// Requests are encoded once, before the load starts, so the measured time is transport
// and server time rather than the client's serialization (perf_analyzer does the same).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/model_types.h"

namespace tensord::bench {

enum class BackendKind { kRestJson, kRestBinary, kGrpc, kGrpcStream, kInProcess };
std::string_view BackendName(BackendKind kind);  // "rest-json", ...

// Time the client itself spent on a call, where the transport lets us see it (REST: writing
// the request, and reading the body after the response header arrived). 0 elsewhere.
struct CallTiming {
  int64_t send_ns = 0;
  int64_t recv_ns = 0;
};

// Not thread-safe: one per worker thread.
class Client {
 public:
  virtual ~Client() = default;
  // Sends prepared request `request_index` and waits for the complete response. An error
  // carries the server's message (e.g. "HTTP 400: input 'x' ...").
  virtual absl::Status Infer(size_t request_index, CallTiming& timing) = 0;
};
using ClientPtr = std::unique_ptr<Client>;

// Thread-safe after Prepare.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string Describe() const = 0;  // "rest-json http://localhost:8000"
  virtual absl::StatusOr<ModelInfo> Metadata() = 0;
  // Cumulative server statistics for the model; nullopt when the server has no statistics
  // extension (HTTP 404, gRPC UNIMPLEMENTED).
  virtual absl::StatusOr<std::optional<ServerStatsSnapshot>> Statistics() = 0;
  // Encodes `requests` for the wire; call once before NewClient.
  virtual absl::Status Prepare(const std::vector<RequestInputs>& requests) = 0;
  virtual size_t prepared_count() const = 0;
  virtual absl::StatusOr<ClientPtr> NewClient() = 0;
};
using BackendPtr = std::unique_ptr<Backend>;

}  // namespace tensord::bench

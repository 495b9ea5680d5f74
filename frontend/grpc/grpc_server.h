// The gRPC frontend: inference.GRPCInferenceService (the Open Inference Protocol's gRPC
// service) on grpc++'s asynchronous completion-queue API.
//
//   absl::StatusOr<std::unique_ptr<GrpcServer>> grpc =
//       GrpcServer::Start(service, {.host = "0.0.0.0", .port = 8001});  // core/inference_service.h
//   (*grpc)->port();   // the bound port (useful with port 0)
//   (*grpc)->Stop();   // stops taking calls, lets running inferences answer, joins threads
//
// Each completion-queue thread owns one queue and serves every method on it. No queue
// thread ever waits for a model or a load: ModelInfer hands the request to
// InferenceService::InferAsync, repository calls to LoadModelAsync / UnloadModelAsync, and
// their callbacks post the result back to the call's queue thread (a grpc::Alarm), which
// encodes the reply and sends it. A result that arrives on the queue thread itself (an
// error found before queueing) is answered at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/inference_service.h"
#include "frontend/access_log.h"
#include "frontend/auth/authenticator.h"
#include "frontend/request_limits.h"

namespace tensord::grpc {

// TLS files (PEM), as for the HTTP servers (frontend/http/tls_context.h). gRPC reloads them
// itself, every reload_interval_s seconds. Start does not read them: check them first (main
// builds the HTTP server's context from the same files, which fails with a clear message).
struct GrpcTlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: no mutual TLS; else a client certificate is required
  int reload_interval_s = 1;
};

struct GrpcOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8001;  // 0: any free port; port() tells which
  // Completion-queue threads. One is the fastest on 2 cores (../shared/LIBRARIES.md).
  int cq_threads = 1;
  // Largest message received or sent; larger ones fail with RESOURCE_EXHAUSTED.
  size_t max_message_bytes = 64u << 20;
  // On Stop, calls still running get this long to answer before they are cancelled.
  std::chrono::milliseconds shutdown_grace{5000};
  // One line per ModelInfer call (--log-access); null: off. Must outlive the server.
  AccessLog* access_log = nullptr;
  std::optional<GrpcTlsOptions> tls;  // nullopt: plain (insecure) gRPC
  // With `tls`: a second port that serves TLS while `port` stays plain (side by side, e.g.
  // in-cluster clients in plain text, outside ones over TLS); 0: any free port, tls_port()
  // tells which. nullopt: `port` itself serves TLS.
  std::optional<uint16_t> tls_port;
  // Bearer-token / mTLS authorisation of every RPC (frontend/grpc/call_auth.h); null: open.
  // Must outlive the server.
  auth::Authenticator* auth = nullptr;
  // HTTP/2 streams (calls) at once per client connection; 0: gRPC's default (no limit).
  // A client over it waits for a stream to free (HTTP/2 flow control), nothing fails.
  int max_concurrent_streams = 0;
  // Tensors per request and elements per tensor: INVALID_ARGUMENT over them.
  RequestLimits request_limits;
};

class GrpcServer {
 public:
  virtual ~GrpcServer() = default;
  // Binds and starts serving. Unavailable ("cannot listen on HOST:PORT for gRPC ...") when
  // the address cannot be bound. `service` must outlive the GrpcServer.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(InferenceService& service,
                                                           GrpcOptions options);
  virtual uint16_t port() const = 0;
  // The side-by-side TLS port (GrpcOptions::tls_port); 0 when there is none.
  virtual uint16_t tls_port() const = 0;
  // Idempotent; the destructor calls it.
  virtual void Stop() = 0;
};

}  // namespace tensord::grpc

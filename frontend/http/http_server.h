// The REST frontend: the Open Inference Protocol's HTTP/1.1 routes on Boost.Beast.
//
//   absl::StatusOr<std::unique_ptr<HttpServer>> http =
//       HttpServer::Start(service, {.host = "0.0.0.0", .port = 8000});   //
//       core/inference_service.h
//   (*http)->port();   // the bound port (useful with port 0)
//   (*http)->Stop();   // closes the listener and idle connections, lets the requests being
//                      // answered finish (drain_timeout), closes the rest, joins the threads
//
// I/O threads never block on inference or on a model load: requests go to
// InferenceService::InferAsync (or LoadModelAsync) and the callback posts the result back
// to the connection's I/O thread, which encodes and writes the reply.
//
// The pieces: rest_server.cc (listener, one io_context per I/O thread, connection limit),
// http_connection (one keep-alive connection), rest_handler (routes), json_request_codec /
// json_response_codec / raw_request_codec (wire formats, Triton's binary data extension
// included); status codes come from frontend/wire_status.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/inference_service.h"
#include "frontend/http/request_handler.h"
#include "frontend/http/tls_context.h"
#include "frontend/request_limits.h"

namespace tensord {
class AccessLog;  // frontend/access_log.h
namespace auth {
class Authenticator;  // frontend/auth/authenticator.h
}
}  // namespace tensord

namespace tensord::http {

struct HttpOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  int io_threads = 1;
  size_t max_body_bytes = 64u << 20;               // larger bodies get 413
  uint32_t max_header_bytes = 64u << 10;           // larger request headers get 431
  size_t max_header_fields = 100;                  // more header fields get 431
  std::chrono::milliseconds read_timeout{30'000};  // a request must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connections idle this long close
  // Stop: how long requests being answered get to finish before their connections close.
  std::chrono::milliseconds drain_timeout{10'000};
  // Open connections at most; a client over it gets 503 and is closed at once. 0: the
  // default, DefaultMaxConnections() in frontend/http/connection_limits.h (under the
  // process's fd limit). Running out of descriptors anyway also refuses (503) rather than
  // leaving clients unanswered.
  size_t max_connections = 0;
  // Names the server in log lines ("http: ...") and in bind errors of servers other than
  // the REST one ("cannot listen on HOST:PORT for metrics: ...").
  std::string name = "http";
  // One line per inference request (--log-access); null: off. Must outlive the server.
  AccessLog* access_log = nullptr;
  // Serve TLS (frontend/http/tls_context.h: certificates reloaded on change); nullopt:
  // plain HTTP. Start fails (InvalidArgument) when the files do not load.
  std::optional<TlsOptions> tls;
  // Bearer-token / mTLS authorisation of every route (frontend/auth); null: every route is
  // open. HttpServer::Start's routes check it; StartHttpServer's handler does its own.
  // Must outlive the server.
  auth::Authenticator* auth = nullptr;
  // Tensors per request and elements per tensor (frontend/request_limits.h): 400 over them.
  RequestLimits request_limits;
  // The live console on this port (GET /, /console, /v2/console/state); HttpServer::Start
  // only.
  ConsoleOptions console;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Binds and starts serving; Unavailable ("cannot listen on 0.0.0.0:8000: address already
  // in use") when binding fails, InvalidArgument when the host does not resolve.
  // `service` must outlive the HttpServer.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(InferenceService& service,
                                                           HttpOptions options);
  virtual uint16_t port() const = 0;
  virtual void Stop() = 0;
};

// An HTTP server with the same connection machinery (timeouts, keep-alive, connection
// limit) over any request handler: the metrics port. The handler is kept by the returned
// server until it is destroyed; it must answer at once or through `post`, and Stop waits
// only for connections, not for replies posted from elsewhere.
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(RequestHandler handler,
                                                            HttpOptions options);

}  // namespace tensord::http

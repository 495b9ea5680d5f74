// The REST frontend: the Open Inference Protocol's HTTP/1.1 routes on Boost.Beast.
//
//   absl::StatusOr<std::unique_ptr<HttpServer>> http =
//       HttpServer::Start(server, {.host = "0.0.0.0", .port = 8000});
//   (*http)->port();   // the bound port (useful with port 0)
//   (*http)->Stop();   // closes the listener and connections, joins the I/O threads
//
// I/O threads never block on inference: requests go to Server::InferAsync and the reply
// is written when the callback fires.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/server.h"

namespace tensord::http {

struct HttpOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  int io_threads = 1;
  size_t max_body_bytes = 64u << 20;               // larger bodies get 413
  std::chrono::milliseconds read_timeout{30'000};  // a request must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connections idle this long close
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Binds and starts serving; an error (e.g. "port 8000 is already in use") when binding fails.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(Server& server, HttpOptions options);
  virtual uint16_t port() const = 0;
  virtual void Stop() = 0;
};

}  // namespace tensord::http

// The Prometheus endpoint: text exposition at http://HOST:PORT/metrics on a port of its
// own (Triton's --metrics-port, default 8002), served by the same HTTP machinery as the
// REST frontend (frontend/http: async I/O, read and idle timeouts, a connection limit), so
// that idle or slow connections cost nothing and cannot hold scrapes up.
//
//   absl::StatusOr<std::unique_ptr<MetricsServer>> metrics =
//       MetricsServer::Start(service, {.host = "0.0.0.0", .port = 8002});   // 0: any free port
//   (*metrics)->port();
//
// GET /metrics answers the text format (prometheus::TextSerializer); any other path is 404,
// any other method 405. Metric names: metrics/model_metrics.h. Scrapes read the
// schedulers' counters on the metrics I/O thread; the request path does no metrics work.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/inference_service.h"
#include "frontend/auth/authenticator.h"
#include "frontend/http/tls_context.h"

namespace tensord::metrics {

struct MetricsOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8002;
  // Scrapers keep one connection each; more clients than this get 503 at once.
  size_t max_connections = 64;
  // A started scrape request must arrive within this; idle keep-alive connections close
  // after idle_timeout.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // TLS as on the REST port (frontend/http/tls_context.h); nullopt: plain HTTP.
  std::optional<http::TlsOptions> tls;
  // With an authenticator, a scrape needs the `metrics` (or `admin`) role: 401/403
  // otherwise. It also adds tensord_auth_failures_total{reason="missing"|"invalid"|
  // "forbidden"}, the failed attempts on every port. Must outlive the server.
  auth::Authenticator* auth = nullptr;
};

class MetricsServer {
 public:
  virtual ~MetricsServer() = default;
  // Unavailable ("cannot listen on HOST:PORT for metrics: ...") when binding fails.
  // `service` must outlive the MetricsServer.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(InferenceService& service,
                                                              MetricsOptions options);
  virtual uint16_t port() const = 0;
};

}  // namespace tensord::metrics

// The Prometheus endpoint: text exposition at http://HOST:PORT/metrics on a port of its
// own (Triton's --metrics-port, default 8002), served by prometheus-cpp's pull exposer.
//
//   absl::StatusOr<std::unique_ptr<MetricsServer>> metrics =
//       MetricsServer::Start(service, {.host = "0.0.0.0", .port = 8002});   // 0: any free port
//   (*metrics)->port();
//
// Metric names: metrics/model_metrics.h. Scrapes read the schedulers' counters; the
// request path does no metrics work of its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/inference_service.h"

namespace tensord::metrics {

struct MetricsOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8002;
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

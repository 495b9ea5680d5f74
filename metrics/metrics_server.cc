#include "metrics/metrics_server.h"

#include <exception>
#include <utility>

#include "fmt/format.h"
#include "metrics/model_metrics.h"
#include "prometheus/exposer.h"

namespace tensord::metrics {
namespace {

class MetricsServerImpl final : public MetricsServer {
 public:
  MetricsServerImpl(std::unique_ptr<prometheus::Exposer> exposer,
                    std::shared_ptr<ModelMetricsCollector> collector)
      : exposer_(std::move(exposer)), collector_(std::move(collector)) {
    exposer_->RegisterCollectable(collector_);
  }
  uint16_t port() const override {
    const std::vector<int> ports = exposer_->GetListeningPorts();
    return ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
  }

 private:
  std::unique_ptr<prometheus::Exposer> exposer_;  // stops serving before the collector goes
  std::shared_ptr<ModelMetricsCollector> collector_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(InferenceService& service,
                                                                    MetricsOptions options) {
  const bool ipv6 = options.host.find(':') != std::string::npos;
  const std::string address = ipv6 ? fmt::format("[{}]:{}", options.host, options.port)
                                   : fmt::format("{}:{}", options.host, options.port);
  auto collector = std::make_shared<ModelMetricsCollector>([&service] {
    absl::StatusOr<std::vector<ModelStats>> stats = service.GetModelStats("", "");
    return stats.ok() ? *std::move(stats) : std::vector<ModelStats>{};
  });
  try {
    // prometheus-cpp (civetweb) reports a failed bind by throwing: caught at this edge.
    auto exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
    return std::make_unique<MetricsServerImpl>(std::move(exposer), std::move(collector));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {} for metrics: {}", address, e.what()));
  }
}

}  // namespace tensord::metrics

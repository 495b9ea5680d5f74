#include "metrics/metrics_server.h"

#include <string_view>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "frontend/http/http_server.h"
#include "metrics/model_metrics.h"
#include "prometheus/text_serializer.h"

namespace tensord::metrics {
namespace {

// The text exposition format's media type (what prometheus-cpp's exposer sent).
constexpr std::string_view kTextFormat = "text/plain; version=0.0.4; charset=utf-8";

class MetricsServerImpl final : public MetricsServer {
 public:
  explicit MetricsServerImpl(std::unique_ptr<http::HttpServer> http) : http_(std::move(http)) {}
  uint16_t port() const override { return http_->port(); }

 private:
  std::unique_ptr<http::HttpServer> http_;  // its destructor stops it
};

prometheus::MetricFamily AuthFailures(const auth::Authenticator& auth) {
  prometheus::MetricFamily family;
  family.name = "tensord_auth_failures_total";
  family.help = "Requests refused by authentication or authorisation, on every port";
  family.type = prometheus::MetricType::Counter;
  for (auth::FailureReason reason : {auth::FailureReason::kMissing, auth::FailureReason::kInvalid,
                                     auth::FailureReason::kForbidden}) {
    prometheus::ClientMetric metric;
    metric.label = {{"reason", std::string(auth::FailureReasonName(reason))}};
    metric.counter.value = static_cast<double>(auth.failures(reason));
    family.metric.push_back(std::move(metric));
  }
  return family;
}

http::RestResponse Scrape(const ModelMetricsCollector& collector, auth::Authenticator* auth,
                          const http::RestRequest& request) {
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path != "/metrics") {
    return http::ErrorResponse(404,
                               fmt::format("no route for '{}': metrics are at /metrics", path));
  }
  if (auth != nullptr) {
    absl::Status allowed = auth->Check(
        auth::Action::kMetrics,
        {.authorization = request.authorization, .common_name = request.peer_common_name},
        fmt::format("{} /metrics", request.method));
    if (!allowed.ok()) return http::AuthErrorResponse(allowed);
  }
  if (request.method != "GET") {
    http::RestResponse response = http::ErrorResponse(
        405, fmt::format("method {} is not allowed for '/metrics' (allowed: GET)", request.method));
    response.allow = "GET";
    return response;
  }
  std::vector<prometheus::MetricFamily> families = collector.Collect();
  if (auth != nullptr) families.push_back(AuthFailures(*auth));
  return {.status = 200,
          .body = prometheus::TextSerializer().Serialize(families),
          .content_type = kTextFormat};
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(InferenceService& service,
                                                                    MetricsOptions options) {
  auto collector = std::make_shared<ModelMetricsCollector>([&service] {
    absl::StatusOr<std::vector<ModelStats>> stats = service.GetModelStats("", "");
    return stats.ok() ? *std::move(stats) : std::vector<ModelStats>{};
  });
  http::RequestHandler handler = [collector, auth = options.auth](const http::RestRequest& request,
                                                                  const http::RestHandler::Post&,
                                                                  http::RestHandler::Reply reply) {
    std::move(reply)(Scrape(*collector, auth, request));
  };
  http::HttpOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  http_options.io_threads = 1;
  http_options.max_body_bytes = 64 * 1024;  // a scrape has no body
  http_options.read_timeout = options.read_timeout;
  http_options.idle_timeout = options.idle_timeout;
  http_options.drain_timeout = std::chrono::seconds(1);
  http_options.max_connections = options.max_connections;
  http_options.name = "metrics";
  http_options.tls = options.tls;
  absl::StatusOr<std::unique_ptr<http::HttpServer>> http =
      http::StartHttpServer(std::move(handler), std::move(http_options));
  if (!http.ok()) return http.status();
  return std::make_unique<MetricsServerImpl>(*std::move(http));
}

}  // namespace tensord::metrics

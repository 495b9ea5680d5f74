#include "tools/bench/repository_control.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tools/bench/rest_backend.h"

namespace tensord::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string InstanceCountLoadBody(int instances) {
  const nlohmann::json config = {{"instance_group", {{{"count", instances}}}}};
  const nlohmann::json body = {{"parameters", {{"config", config.dump()}}}};
  return body.dump();
}

absl::Status LoadModelWithInstances(const RepositoryTarget& target, int instances) {
  const std::string where = fmt::format("POST http://{}:{}/v2/repository/models/{}/load",
                                        target.host, target.port, target.model);
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(target.host, std::to_string(target.port), ec);
  if (!ec) stream.connect(endpoints, ec);
  if (ec) return absl::UnavailableError(fmt::format("{}: cannot connect: {}", where, ec.message()));
  http::request<http::string_body> request(
      http::verb::post,
      fmt::format("/v2/repository/models/{}/load", EncodePathSegment(target.model)), 11);
  request.set(http::field::host, target.host);
  request.set(http::field::content_type, "application/json");
  request.body() = InstanceCountLoadBody(instances);
  request.prepare_payload();
  // Loading builds sessions: allow it far longer than an inference.
  stream.expires_after(std::chrono::seconds(120));
  http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) http::read(stream, buffer, response, ec);
  if (ec) return absl::UnavailableError(fmt::format("{}: {}", where, ec.message()));
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  const unsigned code = response.result_int();
  if (code == 200) return absl::OkStatus();
  std::string text = response.body().substr(0, 200);
  const nlohmann::json doc = nlohmann::json::parse(response.body(), nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
    text = doc["error"].get<std::string>();
  }
  const std::string message =
      fmt::format("{} (instances {}): HTTP {}: {}", where, instances, code, text);
  switch (code) {
    case 400:
      return absl::InvalidArgumentError(message);
    case 404:
      return absl::NotFoundError(message);
    case 503:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace tensord::bench

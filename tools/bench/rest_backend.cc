#include "tools/bench/rest_backend.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>

#include "core/status_util.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tools/bench/tensor_values.h"

namespace tensord::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct PreparedBody {
  std::string body;
  size_t header_length = 0;  // binary: length of the JSON header
};
using Bodies = std::shared_ptr<const std::vector<PreparedBody>>;

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

// The server's {"error": "..."} message when there is one, else the body itself.
std::string ErrorText(const HttpResult& r) {
  nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
    return fmt::format("HTTP {}: {}", r.status, doc["error"].get<std::string>());
  }
  return fmt::format("HTTP {}: {}", r.status, r.body.substr(0, 200));
}

absl::Status StatusForHttp(const HttpResult& r) {
  const std::string text = ErrorText(r);
  switch (r.status) {
    case 400:
      return absl::InvalidArgumentError(text);
    case 404:
      return absl::NotFoundError(text);
    case 503:
      return absl::UnavailableError(text);
    default:
      return absl::InternalError(text);
  }
}

// One keep-alive connection; reconnects when the server closed it.
class Connection {
 public:
  Connection(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}

  absl::StatusOr<HttpResult> RoundTrip(const http::request<http::string_body>& request,
                                       CallTiming* timing) {
    for (int attempt = 0;; ++attempt) {
      beast::error_code ec;
      if (!socket_.is_open()) {
        if (absl::Status s = Connect(); !s.ok()) return s;
      }
      const Clock::time_point start = Clock::now();
      http::write(socket_, request, ec);
      const Clock::time_point written = Clock::now();
      http::response_parser<http::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      if (!ec) http::read_header(socket_, buffer_, parser, ec);
      // A keep-alive connection the server closed while idle fails here: retry once on a
      // fresh connection (no response byte was seen, so nothing was processed twice).
      if (ec && attempt == 0 && !parser.got_some()) {
        Close();
        continue;
      }
      if (ec) {
        Close();
        return absl::UnavailableError(
            fmt::format("HTTP connection to {}:{}: {}", host_, port_, ec.message()));
      }
      const Clock::time_point header = Clock::now();
      http::read(socket_, buffer_, parser, ec);
      if (ec) {
        Close();
        return absl::UnavailableError(
            fmt::format("HTTP connection to {}:{}: {}", host_, port_, ec.message()));
      }
      http::response<http::string_body> response = parser.release();
      if (timing) {
        timing->send_ns = (written - start).count();
        timing->recv_ns = (Clock::now() - header).count();
      }
      if (!response.keep_alive()) Close();
      return HttpResult{response.result_int(), std::move(response.body())};
    }
  }

  ~Connection() { Close(); }

 private:
  absl::Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
    if (!ec) asio::connect(socket_, endpoints, ec);
    if (ec) {
      Close();
      return absl::UnavailableError(
          fmt::format("cannot connect to {}:{}: {}", host_, port_, ec.message()));
    }
    socket_.set_option(tcp::no_delay(true), ec);
    return absl::OkStatus();
  }
  void Close() {
    beast::error_code ignored;
    if (socket_.is_open()) {
      socket_.shutdown(tcp::socket::shutdown_both, ignored);
      socket_.close(ignored);
    }
    buffer_.clear();
  }

  std::string host_;
  uint16_t port_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

http::request<http::string_body> MakeRequest(http::verb verb, const std::string& target,
                                             const std::string& host) {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "tensord-bench");
  request.keep_alive(true);
  return request;
}

class RestClient : public Client {
 public:
  RestClient(const RestOptions& o, std::string target, Bodies bodies)
      : connection_(o.host, o.port), bodies_(std::move(bodies)), binary_(o.binary) {
    // One request object per prepared body, built once: only the socket work is timed.
    for (const PreparedBody& b : *bodies_) {
      http::request<http::string_body> r = MakeRequest(http::verb::post, target, o.host);
      r.set(http::field::content_type, binary_ ? "application/octet-stream" : "application/json");
      if (binary_) r.set("Inference-Header-Content-Length", std::to_string(b.header_length));
      r.body() = b.body;
      r.prepare_payload();
      requests_.push_back(std::move(r));
    }
  }

  absl::Status Infer(size_t index, CallTiming& timing) override {
    absl::StatusOr<HttpResult> r =
        connection_.RoundTrip(requests_[index % requests_.size()], &timing);
    if (!r.ok()) return r.status();
    if (r->status != 200) return StatusForHttp(*r);
    if (r->body.find("\"outputs\"") == std::string::npos) {
      return absl::InternalError("HTTP 200 but the response has no \"outputs\"");
    }
    return absl::OkStatus();
  }

 private:
  Connection connection_;
  Bodies bodies_;
  bool binary_;
  std::vector<http::request<http::string_body>> requests_;
};

class RestBackend : public Backend {
 public:
  explicit RestBackend(RestOptions o) : o_(std::move(o)) {
    base_ = "/v2/models/" + EncodePathSegment(o_.model);
    if (!o_.version.empty()) base_ += "/versions/" + EncodePathSegment(o_.version);
  }

  std::string Describe() const override {
    return fmt::format("{} http://{}:{}", o_.binary ? "rest-binary" : "rest-json", o_.host,
                       o_.port);
  }

  absl::StatusOr<ModelInfo> Metadata() override {
    absl::StatusOr<HttpResult> r = Get(base_);
    if (!r.ok()) return r.status();
    if (r->status != 200) {
      absl::Status s = StatusForHttp(*r);
      return absl::Status(s.code(), fmt::format("cannot read the metadata of model '{}' ({}): {}",
                                                o_.model, base_, Message(s)));
    }
    nlohmann::json doc = nlohmann::json::parse(r->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("inputs") || !doc["inputs"].is_array()) {
      return absl::InternalError(fmt::format("GET {}: the response is not model metadata: {}",
                                             base_, r->body.substr(0, 200)));
    }
    ModelInfo info;
    info.name = doc.value("name", o_.model);
    info.platform = doc.value("platform", "");
    if (doc.contains("versions") && doc["versions"].is_array()) {
      for (const auto& v : doc["versions"]) {
        if (v.is_string()) info.versions.push_back(v.get<std::string>());
      }
    }
    auto tensors = [](const nlohmann::json& list, std::vector<TensorSpec>& out) {
      if (!list.is_array()) return;
      for (const auto& t : list) {
        out.push_back({t.value("name", ""), t.value("datatype", ""),
                       t.value("shape", std::vector<int64_t>{})});
      }
    };
    tensors(doc["inputs"], info.inputs);
    if (doc.contains("outputs")) tensors(doc["outputs"], info.outputs);
    return info;
  }

  absl::StatusOr<std::optional<ServerStatsSnapshot>> Statistics() override {
    absl::StatusOr<HttpResult> r = Get(base_ + "/stats");
    if (!r.ok()) return r.status();
    if (r->status == 404 || r->status == 405 || r->status == 501) {
      return std::optional<ServerStatsSnapshot>();
    }
    if (r->status != 200) return StatusForHttp(*r);
    nlohmann::json doc = nlohmann::json::parse(r->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("model_stats") || !doc["model_stats"].is_array()) {
      return std::optional<ServerStatsSnapshot>();
    }
    ServerStatsSnapshot s;
    auto ns = [](const nlohmann::json& stats, const char* key) -> uint64_t {
      if (!stats.contains(key) || !stats[key].is_object()) return 0;
      return stats[key].value("ns", uint64_t{0});
    };
    auto count = [](const nlohmann::json& stats, const char* key) -> uint64_t {
      if (!stats.contains(key) || !stats[key].is_object()) return 0;
      return stats[key].value("count", uint64_t{0});
    };
    for (const auto& m : doc["model_stats"]) {
      s.inference_count += m.value("inference_count", uint64_t{0});
      s.execution_count += m.value("execution_count", uint64_t{0});
      if (!m.contains("inference_stats")) continue;
      const nlohmann::json& st = m["inference_stats"];
      s.success_count += count(st, "success");
      s.failure_count += count(st, "fail");
      s.queue_ns += ns(st, "queue");
      s.compute_input_ns += ns(st, "compute_input");
      s.compute_infer_ns += ns(st, "compute_infer");
      s.compute_output_ns += ns(st, "compute_output");
    }
    return std::optional<ServerStatsSnapshot>(s);
  }

  absl::Status Prepare(const std::vector<RequestInputs>& requests) override {
    auto bodies = std::make_shared<std::vector<PreparedBody>>();
    for (const RequestInputs& request : requests) {
      nlohmann::json doc;
      doc["inputs"] = nlohmann::json::array();
      std::string binary;
      for (const InputTensor& t : request) {
        nlohmann::json input = {{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}};
        if (o_.binary) {
          input["parameters"] = {{"binary_data_size", t.raw.size()}};
          binary += t.raw;
        } else {
          input["data"] = RawToJson(t);
        }
        doc["inputs"].push_back(std::move(input));
      }
      if (o_.binary) doc["parameters"] = {{"binary_data_output", true}};
      PreparedBody body;
      body.body = doc.dump();
      body.header_length = body.body.size();
      if (o_.binary) body.body += binary;
      bodies->push_back(std::move(body));
    }
    bodies_ = std::move(bodies);
    return absl::OkStatus();
  }
  size_t prepared_count() const override { return bodies_ ? bodies_->size() : 0; }

  absl::StatusOr<ClientPtr> NewClient() override {
    if (!bodies_ || bodies_->empty()) return absl::FailedPreconditionError("no prepared requests");
    return ClientPtr(std::make_unique<RestClient>(o_, base_ + "/infer", bodies_));
  }

 private:
  absl::StatusOr<HttpResult> Get(const std::string& target) {
    Connection connection(o_.host, o_.port);
    return connection.RoundTrip(MakeRequest(http::verb::get, target, o_.host), nullptr);
  }

  RestOptions o_;
  std::string base_;
  Bodies bodies_;
};

}  // namespace

absl::Status ParseHostPort(std::string_view url, uint16_t default_port, std::string& host,
                           uint16_t& port) {
  std::string_view rest = url;
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  if (rest.starts_with("https://")) {
    return absl::InvalidArgumentError(fmt::format("-u {}: https is not supported", url));
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty()) return absl::InvalidArgumentError("-u: empty address");
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || rest.ends_with(']')) {
    host = std::string(rest);
    port = default_port;
  } else {
    host = std::string(rest.substr(0, colon));
    const std::string_view digits = rest.substr(colon + 1);
    int value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9' || value > 65535) {
        value = -1;
        break;
      }
      value = value * 10 + (c - '0');
    }
    if (digits.empty() || value <= 0 || value > 65535) {
      return absl::InvalidArgumentError(
          fmt::format("-u {}: '{}' is not a port number (1-65535)", url, digits));
    }
    port = static_cast<uint16_t>(value);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return absl::InvalidArgumentError(fmt::format("-u {}: no host", url));
  return absl::OkStatus();
}

std::string EncodePathSegment(std::string_view segment) {
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

absl::StatusOr<BackendPtr> MakeRestBackend(const RestOptions& options) {
  return BackendPtr(std::make_unique<RestBackend>(options));
}

}  // namespace tensord::bench

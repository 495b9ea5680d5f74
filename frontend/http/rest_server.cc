// HttpServer::Start: the listener and the I/O threads of the REST frontend.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <functional>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "fmt/format.h"
#include "frontend/http/connection_limits.h"
#include "frontend/http/http_connection.h"
#include "frontend/http/http_server.h"
#include "frontend/http/log_throttle.h"
#include "frontend/http/request_handler.h"
#include "frontend/http/rest_handler.h"
#include "spdlog/spdlog.h"

namespace tensord::http {
namespace {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;

std::chrono::milliseconds Left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

// One I/O thread with its own io_context. Connections are handed to lanes round-robin and
// stay on theirs, so nothing on the request path needs a lock or a strand (the measured
// choice in shared/LIBRARIES.md; a shared io_context with strands costs more per request).
struct Lane {
  ConnectionSet connections;  // declared first: outlives the io_context's handlers
  asio::io_context context{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{
      context.get_executor()};
  // Closes the lane's connections whose timeout ran out (after `context`: destroyed first).
  asio::steady_timer sweep{context};
  std::thread thread;
};

std::string ErrorText(const boost::system::error_code& error) {
  std::string text = error.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// A condition that repeats per retry or per client is logged at most this often.
constexpr std::chrono::seconds kLogInterval{10};

class RestServer final : public HttpServer {
 public:
  // `inflight` counts the replies `handler` will post later (Stop waits for them).
  RestServer(RequestHandler handler, std::shared_ptr<InflightCounter> inflight, HttpOptions options)
      : options_(std::move(options)),
        inflight_(std::move(inflight)),
        handler_(std::move(handler)),
        limit_(options_.max_connections > 0 ? options_.max_connections : DefaultMaxConnections()) {}

  ~RestServer() override { Stop(); }

  absl::Status Listen() {
    // The REST server's errors name just the address (as they always have); others say
    // what they are for.
    const std::string where =
        fmt::format("{}:{}{}", options_.host, options_.port,
                    options_.name == "http" ? "" : fmt::format(" for {}", options_.name));
    const int threads = std::max(1, options_.io_threads);
    for (int i = 0; i < threads; ++i) lanes_.push_back(std::make_unique<Lane>());

    boost::system::error_code error;
    tcp::endpoint endpoint;
    const asio::ip::address address = asio::ip::make_address(options_.host, error);
    if (!error) {
      endpoint = tcp::endpoint(address, options_.port);
    } else {  // a host name such as "localhost"
      tcp::resolver resolver(lanes_[0]->context);
      auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                      tcp::resolver::passive, error);
      if (error || results.empty()) {
        return absl::InvalidArgumentError(fmt::format("cannot listen on {}: {}", where,
                                                      error ? ErrorText(error) : "host not found"));
      }
      endpoint = results.begin()->endpoint();
    }

    acceptor_.emplace(lanes_[0]->context);
    const auto fail = [&](const boost::system::error_code& e) {
      return absl::UnavailableError(fmt::format("cannot listen on {}: {}", where, ErrorText(e)));
    };
    if (acceptor_->open(endpoint.protocol(), error)) return fail(error);
    // Lets a restarted server bind while old connections sit in TIME_WAIT; it does not
    // allow two listeners on one port (that is SO_REUSEPORT).
    if (acceptor_->set_option(asio::socket_base::reuse_address(true), error)) return fail(error);
    if (acceptor_->bind(endpoint, error)) return fail(error);
    if (acceptor_->listen(asio::socket_base::max_listen_connections, error)) return fail(error);
    port_ = acceptor_->local_endpoint(error).port();
    if (options_.tls) {
      absl::StatusOr<std::unique_ptr<TlsContextSource>> tls =
          TlsContextSource::Create(*options_.tls);
      if (!tls.ok()) return tls.status();
      tls_ = *std::move(tls);
    }
    accept_retry_.emplace(lanes_[0]->context);

    for (auto& lane : lanes_) {
      Sweep(*lane);
      lane->thread = std::thread([context = &lane->context] { context->run(); });
    }
    asio::post(lanes_[0]->context, [this] { Accept(); });
    return absl::OkStatus();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true) || lanes_.empty()) return;
    const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
    // Stop accepting; close the idle connections now and the others once they have
    // written the reply to the request they are answering (graceful shutdown).
    RunOnEveryLane([this](Lane& lane) {
      if (&lane == lanes_[0].get()) {
        boost::system::error_code ignored;
        if (acceptor_) acceptor_->close(ignored);
        if (accept_retry_) accept_retry_->cancel();
      }
      lane.connections.CloseWhenIdle();
    });
    // Inference callbacks post replies to these contexts: wait for the ones in flight
    // before the contexts go away, then for their replies to be written.
    const bool drained = inflight_->WaitForZero(Left(deadline));
    for (auto& lane : lanes_) {
      if (!lane->connections.WaitForEmpty(Left(deadline))) break;
    }
    RunOnEveryLane([](Lane& lane) { lane.connections.CloseAll(); });  // what is left
    for (auto& lane : lanes_) {
      lane->work.reset();
      lane->context.stop();
    }
    for (auto& lane : lanes_) {
      if (lane->thread.joinable()) lane->thread.join();
    }
    accept_retry_.reset();
    acceptor_.reset();
    if (!drained) {
      // A callback may still post to a context: keep them all (a leak at shutdown only).
      spdlog::error(
          "http: inference callbacks still pending after {} ms; not freeing the "
          "I/O contexts",
          options_.drain_timeout.count());
      for (auto& lane : lanes_) (void)lane.release();
      lanes_.clear();
    }
  }

 private:
  // Runs `task` on each lane's thread and waits for all of them.
  void RunOnEveryLane(const std::function<void(Lane&)>& task) {
    std::latch done(static_cast<std::ptrdiff_t>(lanes_.size()));
    for (auto& lane : lanes_) {
      if (!lane->thread.joinable()) {
        task(*lane);
        done.count_down();
        continue;
      }
      asio::post(lane->context, [&done, &task, lane = lane.get()] {
        task(*lane);
        done.count_down();
      });
    }
    done.wait();
  }

  void Accept() {
    Lane& lane = *lanes_[next_lane_];
    next_lane_ = (next_lane_ + 1) % lanes_.size();
    // The new socket is bound to the lane's context: its handlers run on that thread.
    acceptor_->async_accept(lane.context.get_executor(), [this, &lane](
                                                             boost::system::error_code error,
                                                             TcpSocket socket) {
      if (error) {
        if (error == asio::error::operation_aborted || stopped_) return;
        OnAcceptError(error);
        return;
      }
      if (!limit_.TryAcquire()) {
        if (std::optional<uint64_t> skipped = limit_log_.Allow(LogThrottle::Clock::now())) {
          spdlog::warn(
              "{}: connection limit reached ({} open): refusing new connections with 503 "
              "until some close{}",
              options_.name, limit_.max(), Skipped(*skipped));
        }
        boost::system::error_code released;
        const int fd = socket.release(released);
        if (!released && tls_ != nullptr) {
          ::close(fd);  // a plain-text 503 would mean nothing to a TLS client
        } else if (!released) {
          RefuseConnection(fd, fmt::format("too many connections: the server's limit of "
                                           "{} open connections is reached; try again later",
                                           limit_.max()));
        }
        Accept();
        return;
      }
      if (tls_ != nullptr) {
        auto connection = std::make_shared<TlsHttpConnection>(std::move(socket), tls_->Current(),
                                                              connection_options(), handler_,
                                                              lane.connections, &limit_);
        asio::post(lane.context, [connection] { connection->Start(); });
      } else {
        auto connection = std::make_shared<PlainHttpConnection>(
            std::move(socket), nullptr, connection_options(), handler_, lane.connections, &limit_);
        asio::post(lane.context, [connection] { connection->Start(); });
      }
      Accept();
    });
  }

  // Every eighth of the shortest timeout (5 ms to 1 s apart), on the lane's thread: a
  // connection is closed no sooner than its timeout, and at most that much later.
  void Sweep(Lane& lane) {
    const std::chrono::milliseconds shortest =
        std::min(options_.read_timeout, options_.idle_timeout);
    lane.sweep.expires_after(
        std::clamp(shortest / 8, std::chrono::milliseconds(5), std::chrono::milliseconds(1000)));
    lane.sweep.async_wait([this, &lane](boost::system::error_code error) {
      if (error) return;
      lane.connections.CloseExpired(DeadlineClock::now());
      Sweep(lane);
    });
  }

  // Runs on lane 0. Never spins and never leaves clients waiting in the backlog unanswered
  // while it can help it; logs each kind of failure at most once per kLogInterval.
  void OnAcceptError(const boost::system::error_code& error) {
    const bool out_of_descriptors = error == asio::error::no_descriptors || error.value() == ENFILE;
    if (out_of_descriptors) {
      if (std::optional<uint64_t> skipped = fd_log_.Allow(LogThrottle::Clock::now())) {
        spdlog::warn(
            "{}: out of file descriptors ({}; {} connections open): refusing new connections "
            "with 503 until descriptors are free{}",
            options_.name, error.message(), limit_.open(), Skipped(*skipped));
      }
      // The client that could not be accepted is refused through the spare descriptor;
      // then accept again at once (the next one may fit, or be refused the same way).
      if (spare_.AcceptAndRefuse(acceptor_->native_handle(),
                                 "the server is out of file descriptors; try again later")) {
        Accept();
        return;
      }
    } else if (std::optional<uint64_t> skipped = error_log_.Allow(LogThrottle::Clock::now())) {
      spdlog::warn("{}: accept failed: {}{}", options_.name, error.message(), Skipped(*skipped));
    }
    // No spare descriptor (or another error): wait a little rather than spin.
    accept_retry_->expires_after(std::chrono::milliseconds(50));
    accept_retry_->async_wait([this](boost::system::error_code e) {
      if (!e && !stopped_) Accept();
    });
  }

  static std::string Skipped(uint64_t skipped) {
    return skipped == 0 ? std::string() : fmt::format(" ({} more since the last report)", skipped);
  }

  ConnectionOptions connection_options() const {
    return {.max_body_bytes = options_.max_body_bytes,
            .max_header_bytes = options_.max_header_bytes,
            .max_header_fields = options_.max_header_fields,
            .read_timeout = options_.read_timeout,
            .idle_timeout = options_.idle_timeout};
  }

  // Destroyed in reverse: the acceptor before the lanes (it lives on lane 0's context),
  // the lanes (and any connection their contexts still hold) before the handler and the
  // limit that the connections refer to.
  const HttpOptions options_;
  const std::shared_ptr<InflightCounter> inflight_;
  const RequestHandler handler_;
  ConnectionLimit limit_;
  // Used on lane 0's thread only (the accept loop).
  SpareDescriptor spare_;
  LogThrottle limit_log_{kLogInterval};
  LogThrottle fd_log_{kLogInterval};
  LogThrottle error_log_{kLogInterval};
  std::unique_ptr<TlsContextSource> tls_;  // null: plain HTTP; used on lane 0 only
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::steady_timer> accept_retry_;
  size_t next_lane_ = 0;  // used on lane 0's thread only
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(InferenceService& service,
                                                              HttpOptions options) {
  auto inflight = std::make_shared<InflightCounter>();
  auto routes = std::make_shared<RestHandler>(service, inflight, options.access_log, options.auth,
                                              options.request_limits, options.console);
  RequestHandler handler = [routes = std::move(routes)](const RestRequest& request,
                                                        const RestHandler::Post& post,
                                                        RestHandler::Reply reply) {
    routes->Handle(request, post, std::move(reply));
  };
  auto server =
      std::make_unique<RestServer>(std::move(handler), std::move(inflight), std::move(options));
  if (absl::Status status = server->Listen(); !status.ok()) return status;
  return server;
}

absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(RequestHandler handler,
                                                            HttpOptions options) {
  auto server = std::make_unique<RestServer>(
      std::move(handler), std::make_shared<InflightCounter>(), std::move(options));
  if (absl::Status status = server->Listen(); !status.ok()) return status;
  return server;
}

}  // namespace tensord::http

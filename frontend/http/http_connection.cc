#include "frontend/http/http_connection.h"

#include <time.h>

#include <array>
#include <charconv>
#include <string>
#include <utility>

#include "boost/asio/dispatch.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/error.hpp"
#include "boost/asio/ssl/stream_base.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "fmt/format.h"
#include "frontend/http/reply_header.h"
#include "frontend/http/tls_context.h"
#include "openssl/ssl.h"
#include "spdlog/spdlog.h"

namespace tensord::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kReadChunk = 16 * 1024;

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

const std::shared_ptr<const PaddedBuffer>& EmptyBody() {
  static const auto* const empty =
      new std::shared_ptr<const PaddedBuffer>(std::make_shared<PaddedBuffer>());
  return *empty;
}

template <typename Stream>
Stream MakeStream(TcpSocket&& socket, asio::ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, TcpSocket>) {
    return std::move(socket);
  } else {
    return Stream(std::move(socket), *tls);
  }
}

}  // namespace

void ConnectionSet::Add(Connection* connection) {
  std::lock_guard lock(mutex_);
  connections_.insert(connection);
}

void ConnectionSet::Remove(Connection* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
  if (connections_.empty()) emptied_.notify_all();
}

void ConnectionSet::CloseWhenIdle() {
  std::lock_guard lock(mutex_);
  for (Connection* connection : connections_) connection->CloseWhenIdle();
}

bool ConnectionSet::WaitForEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_for(lock, timeout, [this] { return connections_.empty(); });
}

DeadlineClock::time_point DeadlineClock::now() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
}

DeadlineClock::duration DeadlineClock::resolution() noexcept {
  static const duration resolution = [] {
    timespec step{};
    clock_getres(CLOCK_MONOTONIC_COARSE, &step);
    return duration(std::chrono::seconds(step.tv_sec) + std::chrono::nanoseconds(step.tv_nsec));
  }();
  return resolution;
}

void ConnectionSet::CloseExpired(DeadlineClock::time_point now) {
  std::lock_guard lock(mutex_);
  for (Connection* connection : connections_) {
    if (connection->Expired(now)) connection->Close();
  }
}

void ConnectionSet::CloseAll() {
  std::lock_guard lock(mutex_);
  for (Connection* connection : connections_) connection->Close();
}

template <typename Stream>
HttpConnection<Stream>::HttpConnection(TcpSocket&& socket,
                                       std::shared_ptr<asio::ssl::context> tls,
                                       const ConnectionOptions& options,
                                       const RequestHandler& handler, ConnectionSet& connections,
                                       ConnectionLimit* limit)
    : tls_(std::move(tls)),
      stream_(MakeStream<Stream>(std::move(socket), tls_.get())),
      options_(options),
      handler_(handler),
      connections_(connections),
      limit_(limit) {}

template <typename Stream>
HttpConnection<Stream>::~HttpConnection() {
  connections_.Remove(this);
  if (limit_ != nullptr) limit_->Release();
}

template <typename Stream>
void HttpConnection<Stream>::Start() {
  connections_.Add(this);
  beast::error_code ignored;
  Tcp().set_option(tcp::no_delay(true), ignored);
  if constexpr (kTls) {
    // The handshake counts as reading a request: a client that stalls in it is dropped.
    ExpireAfter(options_.read_timeout);
    stream_.async_handshake(
        asio::ssl::stream_base::server,
        [self = this->shared_from_this()](beast::error_code error) { self->OnHandshake(error); });
  } else {
    WaitForRequest();
  }
}

template <typename Stream>
void HttpConnection<Stream>::OnHandshake(beast::error_code error) {
  if (error) {
    // A client that does not speak TLS, refused its certificate, or went away: no one to
    // answer in HTTP.
    Close();
    return;
  }
  if constexpr (kTls) {
    if (tls_ != nullptr && SSL_CTX_get_verify_mode(tls_->native_handle()) != SSL_VERIFY_NONE) {
      peer_common_name_ = PeerCommonName(stream_.native_handle());
    }
  }
  WaitForRequest();
}

template <typename Stream>
void HttpConnection<Stream>::Close() {
  beast::error_code ignored;
  Tcp().shutdown(tcp::socket::shutdown_both, ignored);
  Tcp().close(ignored);
  ExpireNever();  // nothing left for the sweep to close
}

template <typename Stream>
void HttpConnection<Stream>::CloseWhenIdle() {
  closing_ = true;
  if (!answering_) Close();
}

template <typename Stream>
void HttpConnection<Stream>::WaitForRequest() {
  if (buffer_.size() > 0) {  // the next (pipelined) request has already arrived
    ReadHeader();
    return;
  }
  // Idle until the first byte: a separate read so that keep-alive idleness and a slow
  // request get their own timeouts.
  ExpireAfter(options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code error, size_t size) {
                            if (error) {
                              self->Close();
                              return;
                            }
                            self->buffer_.commit(size);
                            self->ReadHeader();
                          });
}

template <typename Stream>
void HttpConnection<Stream>::ReadHeader() {
  // The previous request's parser goes first: its fields are in the arena.
  parser_.reset();
  header_arena_.Reset();
  parser_.emplace(std::piecewise_construct, std::make_tuple(),
                  std::make_tuple(HeaderAllocator<char>(&header_arena_)));
  head_ = false;
  parser_->body_limit(options_.max_body_bytes);
  parser_->header_limit(options_.max_header_bytes);
  // One deadline for the whole request, header and body.
  ExpireAfter(options_.read_timeout);
  // What has arrived is parsed here: a request that came in one read (the usual case) is
  // answered without an asynchronous read operation, which completes through the
  // io_context's queue even when it has nothing to read.
  if (buffer_.size() > 0) {
    parser_->eager(true);
    beast::error_code error;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const size_t used = parser_->put(buffer_.data(), error);
      buffer_.consume(used);
      if (error == bhttp::error::need_more) {
        error = {};
        break;
      }
      if (error) {
        OnReadError(error);
        return;
      }
      if (used == 0) break;
    }
    if (parser_->is_header_done()) {
      OnHeader(error);
      return;
    }
  }
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code error, size_t) {
                             self->OnHeader(error);
                           });
}

template <typename Stream>
void HttpConnection<Stream>::OnHeader(beast::error_code error) {
  if (error) {
    OnReadError(error);
    return;
  }
  const auto& request = parser_->get();
  version_ = request.version();
  head_ = request.method() == bhttp::verb::head;
  if (options_.max_header_fields > 0) {
    size_t fields = 0;
    for (auto it = request.begin(); it != request.end(); ++it) ++fields;
    if (fields > options_.max_header_fields) {
      keep_alive_ = false;
      linger_ = true;
      Send(ErrorResponse(431, fmt::format("request has {} header fields, more than the limit of "
                                          "{} (--http-max-header-fields)",
                                          fields, options_.max_header_fields)));
      return;
    }
  }
  auto expect = request.find(bhttp::field::expect);
  if (expect != request.end() && beast::iequals(expect->value(), "100-continue") &&
      !parser_->is_done()) {
    // curl sends this before large bodies and waits for the go-ahead.
    auto go_ahead = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                         request.version());
    bhttp::async_write(
        stream_, *go_ahead,
        [self = this->shared_from_this(), go_ahead](beast::error_code error, size_t) {
          if (error) {
            self->Close();
            return;
          }
          self->ReadBody();
        });
    return;
  }
  ReadBody();
}

template <typename Stream>
void HttpConnection<Stream>::ReadBody() {
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = this->shared_from_this()](beast::error_code error, size_t) {
                      if (error) {
                        self->OnReadError(error);
                        return;
                      }
                      self->Dispatch();
                    });
}

template <typename Stream>
void HttpConnection<Stream>::OnReadError(beast::error_code error) {
  keep_alive_ = false;
  if (error == bhttp::error::body_limit) {
    linger_ = true;
    Send(ErrorResponse(413, fmt::format("request body is larger than the limit of {} bytes",
                                        options_.max_body_bytes)));
  } else if (error == bhttp::error::header_limit) {
    linger_ = true;
    Send(ErrorResponse(431, fmt::format("request header is larger than the limit of {} bytes "
                                        "(--http-max-header-kb)",
                                        options_.max_header_bytes)));
  } else if (error.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
             error != bhttp::error::end_of_stream && error != bhttp::error::partial_message) {
    linger_ = true;
    Send(ErrorResponse(400, fmt::format("malformed HTTP request: {}", error.message())));
  } else {
    // Timeout, the client went away, or Stop closed the socket: nobody to answer.
    Close();
  }
}

template <typename Stream>
void HttpConnection<Stream>::Dispatch() {
  auto& request = parser_->get();
  keep_alive_ = request.keep_alive();
  // HEAD is answered as GET would be, without the body (Send leaves it out): HTTP asks it of
  // every general-purpose server (RFC 9110, 9.1), and load balancers probe health with it.
  RestRequest rest{.method = head_ ? std::string_view("GET") : View(request.method_string()),
                   .head = head_,
                   .target = View(request.target()),
                   .body = request.body() ? request.body() : EmptyBody()};
  reply_encoding_.reset();
  if (auto accept = request.find(bhttp::field::accept_encoding); accept != request.end()) {
    reply_encoding_ = ChooseEncoding(View(accept->value()));
  }
  if (auto encoding = request.find(bhttp::field::content_encoding); encoding != request.end()) {
    // The body limit holds for the decompressed body too (a decompression bomb gets 413).
    absl::StatusOr<std::shared_ptr<const PaddedBuffer>> plain =
        DecodeContentEncoding(rest.body, View(encoding->value()), options_.max_body_bytes);
    if (!plain.ok()) {
      const absl::StatusCode code = plain.status().code();
      const int status = code == absl::StatusCode::kResourceExhausted ? 413
                         : code == absl::StatusCode::kUnimplemented   ? 415
                         : code == absl::StatusCode::kInvalidArgument ? 400
                                                                      : 500;
      Send(ErrorResponse(status, std::string(plain.status().message())));
      return;
    }
    rest.body = *std::move(plain);
  }
  if (auto header = request.find("Inference-Header-Content-Length"); header != request.end()) {
    rest.inference_header_length = View(header->value());
  }
  if (auto header = request.find("Seldon-Model"); header != request.end()) {
    rest.seldon_model = View(header->value());
  }
  if (auto header = request.find(bhttp::field::authorization); header != request.end()) {
    rest.authorization = View(header->value());
  }
  rest.peer_common_name = peer_common_name_;
  if (cancelled_ == nullptr || cancelled_.use_count() > 1) {
    cancelled_ = std::make_shared<std::atomic<bool>>(false);
  } else {
    cancelled_->store(false, std::memory_order_relaxed);
  }
  rest.cancelled = cancelled_;
  // No deadline while the inference runs; the reply's write sets one.
  ExpireNever();
  answering_ = true;
  replied_ = false;
  RestHandler::Post post;
  // A plain pointer fits in std::function's inline storage (the handler copies `post` into
  // its callback): no allocation per request.
  post = [context = &stream_.get_executor().context()](absl::AnyInvocable<void() &&> task) {
    asio::dispatch(context->get_executor(),
                   [task = std::move(task)]() mutable { std::move(task)(); });
  };
  handler_(rest, post, [self = this->shared_from_this()](RestResponse response) {
    self->Send(std::move(response));
  });
  // Answered inside the handler (run to completion on this thread): nothing left to cancel,
  // and no read posted ahead of the reply (it would cost a recvmsg that finds nothing). With
  // a pipelined request already buffered, the next read is its own (one read at a time).
  if (!replied_ && buffer_.size() == 0) Watch();
}

template <typename Stream>
void HttpConnection<Stream>::Send(RestResponse reply) {
  replied_ = true;
  // Small replies, and replies carrying binary tensor data (raw numbers barely compress;
  // 19 MB of them took seconds of the I/O thread), are sent as they are: Python's requests
  // asks for gzip on every call, and identity is always an acceptable answer.
  std::string_view content_encoding;
  if (reply_encoding_ && reply.body.size() >= kMinCompressedReplyBytes &&
      !reply.inference_header_length) {
    reply.body = Compress(reply.body, *reply_encoding_);
    content_encoding = EncodingName(*reply_encoding_);
  }
  if (closing_) keep_alive_ = false;  // shutting down: this is the connection's last reply
  std::string_view content_type = reply.content_type;
  if (content_type.empty() && !reply.body.empty()) {
    content_type = reply.inference_header_length ? "application/octet-stream" : "application/json";
  }
  // Inference-Header-Content-Length: the length of the JSON before binary tensor data.
  char json_length[24] = {};
  if (reply.inference_header_length) {
    std::to_chars(json_length, json_length + sizeof json_length - 1,
                  *reply.inference_header_length);
  }
  WriteReplyHeader(reply_header_,
                   {.version = version_ == 10 ? 10u : 11u,
                    .status = reply.status,
                    .keep_alive = keep_alive_,
                    .content_length = reply.body.size()},
                   {{"Content-Type", content_type},
                    {"Inference-Header-Content-Length", json_length},
                    {"Content-Encoding", content_encoding},
                    {"Allow", reply.allow},
                    {"WWW-Authenticate", reply.www_authenticate}});
  reply_body_ = std::move(reply.body);
  // A client that does not read its reply is dropped like one that does not send.
  ExpireAfter(options_.read_timeout);
  // A reply to HEAD has the length of the body a GET would get, and no body.
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(reply_header_), head_ ? asio::const_buffer() : asio::buffer(reply_body_)};
  asio::async_write(stream_, buffers,
                    [self = this->shared_from_this()](beast::error_code error, size_t) {
                      self->OnWritten(error);
                    });
}

template <typename Stream>
void HttpConnection<Stream>::OnWritten(beast::error_code error) {
  answering_ = false;
  if (error || peer_gone_) {
    Close();
    return;
  }
  reply_body_ = {};  // frees the reply body while the connection idles
  if (!keep_alive_ || closing_) {
    if (linger_ && !watching_) {  // one read at a time: with the watch posted, just close
      LingeringClose();
    } else {
      Close();
    }
    return;
  }
  parser_.reset();
  header_arena_.Reset();  // an unusually large header's blocks are not kept while idle
  if (watching_) {
    // The watch's read now waits for the next request, under the idle timeout.
    ExpireAfter(options_.idle_timeout);
    return;
  }
  WaitForRequest();
}

template <typename Stream>
void HttpConnection<Stream>::Watch() {
  watching_ = true;
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code error, size_t size) {
                            self->OnWatch(error, size);
                          });
}

template <typename Stream>
void HttpConnection<Stream>::OnWatch(beast::error_code error, size_t size) {
  watching_ = false;
  if (answering_) {
    if (error) {
      // Closed or reset by the client (or by Close): nobody will read the answer.
      peer_gone_ = true;
      cancelled_->store(true, std::memory_order_relaxed);
      if (spdlog::should_log(spdlog::level::debug) && parser_) {
        spdlog::debug("HTTP client closed its connection before the answer to {} {}: the "
                      "request is cancelled",
                      View(parser_->get().method_string()), View(parser_->get().target()));
      }
    } else {
      buffer_.commit(size);  // the next request's first bytes, read once the reply is out
    }
    return;
  }
  // The reply went out first: this read was the wait for the next request.
  if (error) {
    Close();
    return;
  }
  buffer_.commit(size);
  ReadHeader();
}

template <typename Stream>
void HttpConnection<Stream>::LingeringClose() {
  beast::error_code ignored;
  Tcp().shutdown(tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  ExpireAfter(options_.read_timeout);
  Drain();
}

template <typename Stream>
void HttpConnection<Stream>::Drain() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code error, size_t) {
                            if (error) {
                              self->Close();
                              return;
                            }
                            self->Drain();
                          });
}

template class HttpConnection<TcpSocket>;
template class HttpConnection<beast::ssl_stream<TcpSocket>>;

}  // namespace tensord::http

// One HTTP/1.1 connection of the REST frontend (or the metrics port): reads requests one
// after another (keep-alive, pipelining), hands each to the RequestHandler and writes its
// reply. Plain TCP or TLS: the class is a template over the stream, so the plain path makes
// no virtual call per read (PlainHttpConnection, TlsHttpConnection below).
//
//   if (!limit.TryAcquire()) refuse;   // --http-max-connections; the connection releases
//   auto connection = std::make_shared<PlainHttpConnection>(std::move(socket), nullptr,
//                                                           options, handler, connections,
//                                                           &limit);
//   connection->Start();   // on the socket's I/O thread
//
// A TLS connection (a context from frontend/http/tls_context.h instead of nullptr) first
// completes the handshake within read_timeout; with mutual TLS the client certificate's
// subject CN is handed to the handler with each request (RestRequest::peer_common_name).
//
// Timeouts: idle_timeout while waiting for the first byte of a request, read_timeout for
// the rest of it to arrive (and for the client to read its reply). They are deadlines that
// the lane's sweep closes (ConnectionSet::CloseExpired, a few times per shortest timeout),
// not a timer per read and write: arming and cancelling one per operation cost a trip
// through the io_context per request. No deadline runs while an inference is in flight;
// the connection stays alive through the shared_ptr that the reply callback holds. A body
// over max_body_bytes gets 413 and the connection closes after draining what the client
// still sends (so that it sees the 413, not a reset).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/stream_traits.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "frontend/http/content_encoding.h"
#include "frontend/http/header_arena.h"
#include "frontend/http/padded_body.h"
#include "frontend/http/request_handler.h"

namespace tensord::http {

// The clock of connection deadlines: CLOCK_MONOTONIC_COARSE, a few nanoseconds a read at a
// resolution of a few milliseconds, which timeouts of a second and more do not need finer.
struct DeadlineClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<DeadlineClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
  // How far now() lags the time, by the kernel's word: a deadline of now() + timeout +
  // resolution() is reached once the timeout has passed. In a VM a tick may come late and
  // the lag exceed this by a fraction of a millisecond (seen once in 300 ms under TSan), so a
  // timeout can end that much short: harmless for timeouts of a second and more.
  static duration resolution() noexcept;
};

// What ConnectionSet needs of a connection of either kind (shutdown and the deadline sweep,
// never per read).
class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket; pending operations end with operation_aborted.
  virtual void Close() = 0;
  // Closes now if no request is being answered, else right after its reply is written.
  virtual void CloseWhenIdle() = 0;
  // Whether a timeout is running and ends before `now`. A plain field, read on the
  // connection's I/O thread, so that the sweep makes no virtual call on a connection that
  // is already closed (and may be being destroyed on another thread).
  bool Expired(DeadlineClock::time_point now) const { return now >= deadline_; }

 protected:
  void ExpireAfter(std::chrono::milliseconds timeout) {
    deadline_ = DeadlineClock::now() + timeout + DeadlineClock::resolution();
  }
  void ExpireNever() { deadline_ = DeadlineClock::time_point::max(); }

 private:
  // When the timeout running ends (the lane's sweep closes the connection then); max: none.
  DeadlineClock::time_point deadline_ = DeadlineClock::time_point::max();
};

// The live connections of one I/O thread, so that Stop can close them all.
class ConnectionSet {
 public:
  void Add(Connection* connection);
  void Remove(Connection* connection);
  // Closes every connection; call on the connections' I/O thread.
  void CloseAll();
  // Closes the idle connections now and the others once their reply is written (graceful
  // shutdown); call on the connections' I/O thread.
  void CloseWhenIdle();
  // Closes the connections whose timeout has run out; call on the connections' I/O thread.
  void CloseExpired(DeadlineClock::time_point now);
  // Waits until every connection is gone; false on timeout. Any thread.
  bool WaitForEmpty(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable emptied_;
  std::unordered_set<Connection*> connections_ ABSL_GUARDED_BY(mutex_);
};

// Counts the open connections of one server against its limit. Any thread.
class ConnectionLimit {
 public:
  explicit ConnectionLimit(size_t max) : max_(max) {}
  // Takes a place; false (and nothing taken) when `max` connections are open.
  bool TryAcquire() {
    size_t open = open_.load(std::memory_order_relaxed);
    do {
      if (open >= max_) return false;
    } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
    return true;
  }
  void Release() { open_.fetch_sub(1, std::memory_order_relaxed); }
  size_t open() const { return open_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::atomic<size_t> open_{0};
};

struct ConnectionOptions {
  size_t max_body_bytes = 64u << 20;
  uint32_t max_header_bytes = 64u << 10;  // request line and header fields; larger: 431
  size_t max_header_fields = 100;         // more header fields: 431
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
};

// Connections run on their lane's io_context with its concrete executor type, not Asio's
// type-erased any_io_executor (beast::tcp_stream's): copying, preferring and destroying that
// one on every operation was ~3% of a REST request's CPU.
using IoExecutor = boost::asio::io_context::executor_type;
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;

// Stream: TcpSocket or boost::beast::ssl_stream<TcpSocket>; both are instantiated in
// http_connection.cc.
template <typename Stream>
class HttpConnection final : public Connection,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  // `handler`, `connections` and `limit` must outlive the connection. `limit`, when not
  // null, holds a place the caller took for this connection: the destructor releases it.
  // `tls`: the TLS context (kept alive by the connection); null for a plain stream.
  HttpConnection(TcpSocket&& socket, std::shared_ptr<boost::asio::ssl::context> tls,
                 const ConnectionOptions& options, const RequestHandler& handler,
                 ConnectionSet& connections, ConnectionLimit* limit = nullptr);
  ~HttpConnection() override;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void Start();
  void Close() override;
  void CloseWhenIdle() override;

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, TcpSocket>;
  TcpSocket& Tcp() { return boost::beast::get_lowest_layer(stream_); }
  void OnHandshake(boost::beast::error_code error);
  void WaitForRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code error);
  void ReadBody();
  void OnReadError(boost::beast::error_code error);
  void Dispatch();
  void Send(RestResponse response);
  void OnWritten(boost::beast::error_code error);
  // Stops sending, reads and drops what the client still sends, then closes.
  void LingeringClose();
  void Drain();
  // While a request is answered (after the handler returned without answering), one read
  // stays posted: the client closing its connection (HTTP/1.1 has no other way to cancel)
  // sets the request's cancelled flag, so a queued request is dropped and a pipeline's later
  // steps are not run. Bytes that arrive instead (a pipelined next request) are kept for it,
  // and the watch ends. When the reply is written first, the same read waits for the next
  // request (the idle timeout bounds it).
  void Watch();
  void OnWatch(boost::beast::error_code error, size_t size);

  std::shared_ptr<boost::asio::ssl::context> tls_;  // before stream_: outlives it
  Stream stream_;
  std::string peer_common_name_;  // mutual TLS: the client certificate's subject CN
  const ConnectionOptions options_;
  const RequestHandler& handler_;
  ConnectionSet& connections_;
  ConnectionLimit* const limit_;
  boost::beast::flat_buffer buffer_;
  // The request's header fields live in header_arena_, reset between requests (no heap
  // allocation per field); declared first, so it outlives the parser.
  HeaderArena header_arena_;
  std::optional<boost::beast::http::request_parser<PaddedBody, HeaderAllocator<char>>> parser_;
  // The reply being written: its status line and header fields, then its body, sent with
  // one gather write. Built by hand: Beast's serializer walked a buffer sequence of views per
  // field, ~5% of a small REST request's CPU. The header string keeps its capacity.
  std::string reply_header_;
  std::string reply_body_;
  unsigned version_ = 11;  // of the request being answered
  bool head_ = false;      // the request being answered is a HEAD: its reply has no body
  // How the reply to the request being answered is compressed (its Accept-Encoding).
  std::optional<ContentEncoding> reply_encoding_;
  bool keep_alive_ = true;  // false: close after this reply
  bool linger_ = false;     // drain before closing (the client may still be sending)
  bool answering_ = false;  // a request was dispatched and its reply not yet written
  bool closing_ = false;    // CloseWhenIdle was called
  bool watching_ = false;   // Watch's read is posted
  bool replied_ = false;    // Send was called for the request being answered
  bool peer_gone_ = false;  // the client closed while its request was answered
  // The flag of the request being answered (InferRequest::cancelled); reused by the next
  // request when nothing else holds it.
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

using PlainHttpConnection = HttpConnection<TcpSocket>;
using TlsHttpConnection = HttpConnection<boost::beast::ssl_stream<TcpSocket>>;
extern template class HttpConnection<TcpSocket>;
extern template class HttpConnection<boost::beast::ssl_stream<TcpSocket>>;

}  // namespace tensord::http

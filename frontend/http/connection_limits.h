// What the HTTP servers (REST and metrics) do at their limits: the default connection
// limit, the refusal a client gets over it, and the spare descriptor that lets the accept
// loop refuse clients even when the process is out of file descriptors.
//
//   size_t limit = DefaultMaxConnections();            // from RLIMIT_NOFILE, see below
//   RefuseConnection(fd, "too many connections");      // 503 + close; takes the fd
//   SpareDescriptor spare;                             // holds one fd on /dev/null
//   if (accept failed with EMFILE) spare.AcceptAndRefuse(listen_fd, "out of descriptors");
//
// Without the spare, a listener at the fd limit can accept nobody: the kernel completes
// the clients' handshakes into the backlog and they wait there with neither answer nor
// refusal (the classic technique, as in libev/nginx: free the spare, accept, close,
// take the spare back).
#pragma once

#include <cstddef>
#include <string_view>

namespace tensord::http {

// File descriptors left for everything but client connections: model files, logs,
// listeners, epoll and event descriptors, ONNX Runtime.
inline constexpr size_t kReservedDescriptors = 128;
inline constexpr size_t kMaxDefaultConnections = 10'000;

// The default of --http-max-connections:
//   min(10000, max(1, (soft RLIMIT_NOFILE - 128) / 2))
// so that HTTP alone can never take the process to its fd limit: the other half is left to
// gRPC (which has no connection limit of its own in grpc++ 1.51) and the metrics port.
// An unlimited RLIMIT_NOFILE gives 10000.
size_t DefaultMaxConnections();
// The same rule for a given soft limit (tests).
size_t DefaultMaxConnections(size_t soft_fd_limit);

// Answers `fd` (a just-accepted connection) with 503 {"error": message} and Connection:
// close without waiting for its request, then closes it. Never blocks: what the socket
// cannot take at once is dropped (a fresh socket takes the few hundred bytes).
void RefuseConnection(int fd, std::string_view message);

// One descriptor held in reserve for AcceptAndRefuse. Not thread-safe (the accept loop's).
class SpareDescriptor {
 public:
  SpareDescriptor();
  ~SpareDescriptor();
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  // At the fd limit: frees the spare, accepts one pending connection of the non-blocking
  // listener `listen_fd`, refuses it (RefuseConnection) and takes the spare back. False
  // when there was no spare or nothing could be accepted. Either way it tries to take the
  // spare back, so a later call can work once descriptors are free again.
  bool AcceptAndRefuse(int listen_fd, std::string_view message);
  bool held() const { return fd_ >= 0; }

 private:
  void Take();
  int fd_ = -1;
};

}  // namespace tensord::http

#include "frontend/http/connection_limits.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "fmt/format.h"
#include "frontend/http/json_response_codec.h"

namespace tensord::http {

size_t DefaultMaxConnections(size_t soft_fd_limit) {
  const size_t budget =
      soft_fd_limit > kReservedDescriptors ? soft_fd_limit - kReservedDescriptors : 0;
  return std::clamp<size_t>(budget / 2, 1, kMaxDefaultConnections);
}

size_t DefaultMaxConnections() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return kMaxDefaultConnections;
  }
  return DefaultMaxConnections(static_cast<size_t>(limit.rlim_cur));
}

void RefuseConnection(int fd, std::string_view message) {
  const std::string body = ErrorJson(message);
  const std::string reply = fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
      body.size(), body);
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  // Read what already arrived (the request, usually): closing with unread data would send a
  // reset, which may destroy the 503 before the client reads it.
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(fd, sink, sizeof(sink), 0) > 0; ++i) {
  }
  ::close(fd);
}

SpareDescriptor::SpareDescriptor() { Take(); }

SpareDescriptor::~SpareDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

void SpareDescriptor::Take() {
  if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool SpareDescriptor::AcceptAndRefuse(int listen_fd, std::string_view message) {
  if (fd_ < 0) {
    Take();
    return false;
  }
  ::close(fd_);
  fd_ = -1;
  const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (client >= 0) RefuseConnection(client, message);
  Take();
  return client >= 0;
}

}  // namespace tensord::http

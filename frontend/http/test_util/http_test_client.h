// A blocking HTTP/1.1 client on a raw socket, for the REST frontend's tests: it sends
// exactly the bytes given (partial requests, pipelining, garbage) and parses replies.
//
//   HttpTestClient client(port);
//   client.Send(HttpTestClient::Get("/v2/health/live"));
//   std::optional<HttpTestClient::Response> reply = client.Read();
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "fmt/format.h"

namespace tensord::http {

class HttpTestClient {
 public:
  struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string header(const std::string& name) const {
      auto found = headers.find(name);
      return found == headers.end() ? "" : found->second;
    }
  };

  explicit HttpTestClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~HttpTestClient() { ::close(fd_); }
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  bool connected() const { return connected_; }

  static std::string Get(std::string_view path, std::string_view extra_headers = "") {
    return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", path, extra_headers);
  }
  static std::string Request(std::string_view method, std::string_view path,
                             std::string_view body = "", std::string_view extra_headers = "") {
    return fmt::format("{} {} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n{}\r\n{}", method,
                       path, body.size(), extra_headers, body);
  }
  static std::string Post(std::string_view path, std::string_view body,
                          std::string_view extra_headers = "") {
    return Request("POST", path, body, extra_headers);
  }

  // False when the peer has closed or reset the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // The next reply; nullopt when the connection closes first or nothing comes in `timeout`.
  // `to_head`: the reply to a HEAD request, which has a length but no body.
  std::optional<Response> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                               bool to_head = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Receive(deadline)) return std::nullopt;
    }
    Response response;
    const std::string head = pending_.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    response.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(
          line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t value_at = colon + 1;
        while (value_at < line.size() && line[value_at] == ' ') ++value_at;
        response.headers[name] = line.substr(value_at);
      }
      line_end = next;
    }
    pending_.erase(0, header_end + 4);
    const size_t length = !to_head && response.headers.count("content-length")
                              ? std::stoul(response.headers["content-length"])
                              : 0;
    while (pending_.size() < length) {
      if (!Receive(deadline)) return std::nullopt;
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return response;
  }

  // True when the server closes (or resets) the connection within `timeout`; data that
  // arrives meanwhile is kept for Read.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Receive(deadline)) return !timed_out_;
    }
    return false;
  }

 private:
  // Appends what arrives before `deadline`; false on close, reset or timeout.
  bool Receive(std::chrono::steady_clock::time_point deadline) {
    timed_out_ = false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
    if (left.count() <= 0 || ::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
      timed_out_ = true;
      return false;
    }
    char chunk[65536];
    const ssize_t received = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (received <= 0) return false;
    pending_.append(chunk, static_cast<size_t>(received));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool timed_out_ = false;
  std::string pending_;
};

}  // namespace tensord::http

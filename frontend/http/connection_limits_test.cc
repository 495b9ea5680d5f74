// The connection limit of the HTTP servers: the default rule, the 503 refusal, the spare
// descriptor, and a server over its --http-max-connections.
#include "frontend/http/connection_limits.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "frontend/http/http_server.h"
#include "frontend/http/test_util/http_test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Client = HttpTestClient;

TEST(DefaultMaxConnections, HalfOfTheDescriptorsLeftAfterTheReserve) {
  EXPECT_EQ(DefaultMaxConnections(1024), 448u);
  EXPECT_EQ(DefaultMaxConnections(256), 64u);
  EXPECT_EQ(DefaultMaxConnections(100), 1u);
  EXPECT_EQ(DefaultMaxConnections(1u << 20), 10'000u);
  EXPECT_GE(DefaultMaxConnections(), 1u);
}

// Reads everything until the peer closes.
std::string ReadToEnd(int fd) {
  std::string text;
  char chunk[4096];
  ssize_t received;
  while ((received = ::recv(fd, chunk, sizeof(chunk), 0)) > 0) {
    text.append(chunk, static_cast<size_t>(received));
  }
  return text;
}

TEST(RefuseConnection, Answers503AndCloses) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  RefuseConnection(fds[0], "too many \"connections\"");
  const std::string reply = ReadToEnd(fds[1]);
  ::close(fds[1]);
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(reply, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(reply, ::testing::EndsWith(R"({"error":"too many \"connections\""})"));
}

TEST(SpareDescriptor, AcceptsAndRefusesAPendingClient) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);

  SpareDescriptor spare;
  ASSERT_TRUE(spare.held());
  EXPECT_FALSE(spare.AcceptAndRefuse(listener, "nobody is waiting"));  // nothing pending
  EXPECT_TRUE(spare.held());
  Client client(ntohs(address.sin_port));
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(spare.AcceptAndRefuse(listener, "out of file descriptors"));
  EXPECT_TRUE(spare.held());
  std::optional<Client::Response> reply = client.Read(5s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->body, R"({"error":"out of file descriptors"})");
  EXPECT_TRUE(client.ClosedWithin(5s));
  ::close(listener);
}

class ConnectionLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RequestHandler handler = [](const RestRequest&, const RestHandler::Post&,
                                RestHandler::Reply reply) {
      std::move(reply)({.status = 200, .body = "ok", .content_type = "text/plain"});
    };
    absl::StatusOr<std::unique_ptr<HttpServer>> server = StartHttpServer(
        std::move(handler), {.host = "127.0.0.1", .port = 0, .max_connections = 2, .name = "test"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // A connection that has been served once (so the server has counted it).
  std::unique_ptr<Client> Served() {
    auto client = std::make_unique<Client>(server_->port());
    EXPECT_TRUE(client->Send(Client::Get("/")));
    std::optional<Client::Response> reply = client->Read(5s);
    EXPECT_TRUE(reply.has_value());
    if (reply) {
      EXPECT_EQ(reply->status, 200);
      EXPECT_EQ(reply->header("content-type"), "text/plain");
    }
    return client;
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(ConnectionLimitTest, RefusesOverTheLimitAndServesAgainWhenOneCloses) {
  std::unique_ptr<Client> first = Served();
  std::unique_ptr<Client> second = Served();

  Client third(server_->port());
  std::optional<Client::Response> refused = third.Read(5s);  // unasked: refused at accept
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_THAT(refused->body, HasSubstr("limit of 2 open connections"));
  EXPECT_TRUE(third.ClosedWithin(5s));

  first.reset();
  // The server notices the close on its own thread: new clients are refused until then.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<Client::Response> reply;
  while (std::chrono::steady_clock::now() < deadline) {
    Client again(server_->port());
    if (again.Send(Client::Get("/")) && (reply = again.Read(5s)) && reply->status == 200) break;
  }
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST(StartHttpServer, BindErrorNamesWhatTheServerIsFor) {
  RequestHandler handler = [](const RestRequest&, const RestHandler::Post&,
                              RestHandler::Reply reply) { std::move(reply)({}); };
  absl::StatusOr<std::unique_ptr<HttpServer>> first =
      StartHttpServer(handler, {.host = "127.0.0.1", .port = 0, .name = "metrics"});
  ASSERT_TRUE(first.ok()) << first.status();
  const uint16_t port = (*first)->port();
  absl::StatusOr<std::unique_ptr<HttpServer>> second =
      StartHttpServer(handler, {.host = "127.0.0.1", .port = port, .name = "metrics"});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(std::string(second.status().message()),
            fmt::format("cannot listen on 127.0.0.1:{} for metrics: address already in use", port));
}

}  // namespace
}  // namespace tensord::http

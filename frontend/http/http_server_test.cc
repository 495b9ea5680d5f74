// The REST server end to end over sockets, against a fake InferenceService: routes,
// keep-alive, pipelining, slow inference, limits, timeouts, bind errors, Stop.
#include "frontend/http/http_server.h"

#include <atomic>
#include <thread>
#include <vector>

#include "frontend/http/test_util/fake_inference_service.h"
#include "frontend/http/test_util/http_test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tensord::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Client = HttpTestClient;

constexpr std::string_view kEchoBody =
    R"({"id":"r1","inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1.5,-2]}]})";

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(*service_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_NE(server_->port(), 0);
  }
  void SetUp() override { StartServer(); }

  Client::Response Roundtrip(const std::string& request) {
    Client client(server_->port());
    EXPECT_TRUE(client.Send(request));
    std::optional<Client::Response> response = client.Read();
    EXPECT_TRUE(response.has_value()) << request;
    return response.value_or(Client::Response{});
  }

  std::shared_ptr<FakeInferenceService> service_ = std::make_shared<FakeInferenceService>();
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesServerMetadataAndHealth) {
  Client::Response metadata = Roundtrip(Client::Get("/v2"));
  EXPECT_EQ(metadata.status, 200);
  EXPECT_EQ(metadata.header("content-type"), "application/json");
  EXPECT_EQ(metadata.body,
            R"({"name":"tensord","version":"0.1.0","extensions":["binary_tensor_data"]})");
  Client::Response live = Roundtrip(Client::Get("/v2/health/live"));
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body, "");
  EXPECT_EQ(live.header("content-length"), "0");
  EXPECT_EQ(Roundtrip(Client::Get("/v2/health/ready")).status, 200);
  service_->ready = false;
  Client::Response not_ready = Roundtrip(Client::Get("/v2/health/ready"));
  EXPECT_EQ(not_ready.status, 400);
  EXPECT_EQ(not_ready.body, R"({"error":"the server is not ready"})");
}

TEST_F(HttpServerTest, ServesModelMetadataAndReadiness) {
  Client::Response metadata = Roundtrip(Client::Get("/v2/models/model.v1-x_y"));
  EXPECT_EQ(metadata.status, 200);
  EXPECT_EQ(metadata.body, R"({"name":"model.v1-x_y","versions":["1"],"platform":"fake",)"
                           R"("inputs":[{"name":"x","datatype":"FP32","shape":[-1,-1]}],)"
                           R"("outputs":[{"name":"x","datatype":"FP32","shape":[-1,-1]}]})");
  EXPECT_EQ(Roundtrip(Client::Get("/v2/models/model%2Ev1-x_y/versions/1")).status, 200);
  Client::Response unknown = Roundtrip(Client::Get("/v2/models/nope/versions/1"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"Request for unknown model: 'nope' is not found"})");
  EXPECT_EQ(Roundtrip(Client::Get("/v2/models/echo/versions/7")).status, 404);

  Client::Response ready = Roundtrip(Client::Get("/v2/models/echo/ready"));
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "");
  EXPECT_EQ(Roundtrip(Client::Get("/v2/models/echo/versions/1/ready")).status, 200);
  Client::Response broken = Roundtrip(Client::Get("/v2/models/broken/ready"));
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.body, R"({"error":"model 'broken' version 1 failed to load: bad onnx file"})");
  EXPECT_EQ(Roundtrip(Client::Get("/v2/models/nope/ready")).status, 404);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  Client::Response infer_get = Roundtrip(Client::Get("/v2/models/echo/infer"));
  EXPECT_EQ(infer_get.status, 405);
  EXPECT_EQ(infer_get.header("allow"), "POST");
  EXPECT_EQ(infer_get.header("content-type"), "application/json");
  EXPECT_EQ(
      infer_get.body,
      R"j({"error":"method GET is not allowed for '/v2/models/echo/infer' (allowed: POST)"})j");
  Client::Response delete_live = Roundtrip(Client::Request("DELETE", "/v2/health/live"));
  EXPECT_EQ(delete_live.status, 405);
  EXPECT_EQ(delete_live.header("allow"), "GET");
  EXPECT_EQ(Roundtrip(Client::Post("/v2/models/echo/ready", "")).status, 405);
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  Client::Response response = Roundtrip(Client::Get("/v3/health/live?x=1"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.body,
            "{\"error\":\"no route for '/v3/health/live': tensord does not support this "
            "endpoint (see GET /v2 for the extensions it implements)\"}");
  EXPECT_EQ(Roundtrip(Client::Get("/v2/models/a%zz")).status, 400);
}

TEST_F(HttpServerTest, InferReturnsJsonOutputs) {
  Client::Response response =
      Roundtrip(Client::Post("/v2/models/echo/versions/1/infer", kEchoBody));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.body, R"({"model_name":"echo","model_version":"1","id":"r1","outputs":[)"
                           R"({"name":"x","datatype":"FP32","shape":[2],"data":[1.5,-2]}]})");
  std::lock_guard lock(service_->mutex_);
  EXPECT_EQ(service_->last_model, "echo");
  EXPECT_EQ(service_->last_version, "1");
}

TEST_F(HttpServerTest, InferErrorsGoThroughTheStatusMapping) {
  Client::Response bad = Roundtrip(Client::Post("/v2/models/echo/infer", "{\"inputs\":"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("malformed JSON in request body"));
  Client::Response unknown = Roundtrip(Client::Post("/v2/models/nope/infer", kEchoBody));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"Request for unknown model: 'nope' is not found"})");
  EXPECT_EQ(Roundtrip(Client::Post("/v2/models/busy/infer", kEchoBody)).status, 429);
  EXPECT_EQ(Roundtrip(Client::Post("/v2/models/broken/infer", kEchoBody)).status, 503);
  Client::Response empty = Roundtrip(Client::Post("/v2/models/echo/infer", ""));
  EXPECT_EQ(empty.status, 400);
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Client client(server_->port());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client.Send(i % 2 ? Client::Get("/v2/health/live")
                                  : Client::Post("/v2/models/echo/infer", kEchoBody)));
    std::optional<Client::Response> response = client.Read();
    ASSERT_TRUE(response.has_value()) << i;
    ASSERT_EQ(response->status, 200);
    EXPECT_NE(response->header("connection"), "close");
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  service_->HoldSlow();
  Client client(server_->port());
  ASSERT_TRUE(client.Send(Client::Post("/v2/models/slow/infer", kEchoBody) +
                          Client::Get("/v2/nope") + Client::Get("/v2/health/live")));
  ASSERT_TRUE(service_->WaitForSlowRequests(1));
  service_->ReleaseSlow();
  std::optional<Client::Response> first = client.Read();
  std::optional<Client::Response> second = client.Read();
  std::optional<Client::Response> third = client.Read();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->status, 200);
  EXPECT_THAT(first->body, HasSubstr("\"model_name\":\"slow\""));
  EXPECT_EQ(second->status, 404);
  EXPECT_EQ(third->status, 200);
}

// A request is parsed from what the first read brought in; the rest of one that arrives
// in pieces (the header cut anywhere, then the body) is read on.
TEST_F(HttpServerTest, ARequestArrivingInPiecesIsServed) {
  const std::string request = Client::Post("/v2/models/echo/infer", kEchoBody);
  const size_t header_end = request.find("\r\n\r\n") + 4;
  for (size_t cut : {size_t{1}, size_t{20}, header_end - 2, header_end, header_end + 10}) {
    Client client(server_->port());
    ASSERT_TRUE(client.Send(request.substr(0, cut)));
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(client.Send(request.substr(cut)));
    std::optional<Client::Response> response = client.Read();
    ASSERT_TRUE(response.has_value()) << cut;
    EXPECT_EQ(response->status, 200) << cut;
    EXPECT_THAT(response->body, HasSubstr("\"model_name\":\"echo\"")) << cut;
    // The connection goes on serving.
    ASSERT_TRUE(client.Send(Client::Get("/v2/health/live")));
    ASSERT_TRUE(client.Read().has_value()) << cut;
  }
}

TEST_F(HttpServerTest, HeadIsAnsweredAsGetWithTheLengthButNoBody) {
  Client client(server_->port());
  const Client::Response get = Roundtrip(Client::Get("/v2"));
  ASSERT_EQ(get.status, 200);
  ASSERT_TRUE(client.Send("HEAD /v2 HTTP/1.1\r\nHost: t\r\n\r\n" + Client::Get("/v2/nope")));
  std::optional<Client::Response> head = client.Read(10s, /*to_head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head->header("content-type"), "application/json");
  // The next reply on the connection starts right after the head's header: no body came.
  std::optional<Client::Response> next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 404);
  EXPECT_THAT(next->body, HasSubstr("error"));
  // On a route without GET the 405 names the method the client sent.
  ASSERT_TRUE(client.Send("HEAD /v2/models/echo/infer HTTP/1.1\r\nHost: t\r\n\r\n" +
                          Client::Get("/v2/nope")));
  std::optional<Client::Response> refused = client.Read(10s, /*to_head=*/true);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 405);
  EXPECT_EQ(refused->header("allow"), "POST");
  next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 404);
}

TEST_F(HttpServerTest, SlowInferenceDoesNotBlockOtherConnections) {
  // The slow request is held in the (fake) scheduler until released: the others can only
  // be answered meanwhile if it does not block them.
  service_->HoldSlow();
  Client slow(server_->port());
  ASSERT_TRUE(slow.Send(Client::Post("/v2/models/slow/infer", kEchoBody)));
  ASSERT_TRUE(service_->WaitForSlowRequests(1));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(Roundtrip(Client::Post("/v2/models/echo/infer", kEchoBody)).status, 200);
  EXPECT_EQ(service_->slow_answered(), 0);
  service_->ReleaseSlow();
  std::optional<Client::Response> response = slow.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

// HTTP/1.1 cannot cancel but by closing: a client that closes while its request runs has
// cancelled it (the scheduler drops it if still queued; pipelines skip later steps). One
// that waits for its answer has not.
TEST_F(HttpServerTest, AClientThatClosesBeforeTheAnswerCancelsItsRequest) {
  service_->HoldSlow();
  std::shared_ptr<const std::atomic<bool>> cancelled;
  {
    Client client(server_->port());
    ASSERT_TRUE(client.Send(Client::Post("/v2/models/slow/infer", kEchoBody)));
    ASSERT_TRUE(service_->WaitForSlowRequests(1));
    cancelled = service_->last_slow_cancelled();
    ASSERT_NE(cancelled, nullptr);
    EXPECT_FALSE(cancelled->load());
  }  // closes the connection
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!cancelled->load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(cancelled->load());
  service_->ReleaseSlow();

  Client waiting(server_->port());
  ASSERT_TRUE(waiting.Send(Client::Post("/v2/models/slow/infer", kEchoBody)));
  std::optional<Client::Response> response = waiting.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  std::shared_ptr<const std::atomic<bool>> kept = service_->last_slow_cancelled();
  ASSERT_NE(kept, nullptr);
  EXPECT_FALSE(kept->load());
}

TEST_F(HttpServerTest, HttpTenClosesAfterTheReply) {
  Client client(server_->port());
  ASSERT_TRUE(client.Send("GET /v2/health/live HTTP/1.0\r\n\r\n"));
  std::optional<Client::Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(client.ClosedWithin(10s));
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  Client client(server_->port());
  ASSERT_TRUE(client.Send(Client::Get("/v2/health/live", "Connection: close\r\n")));
  std::optional<Client::Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(client.ClosedWithin(10s));
}

TEST_F(HttpServerTest, GarbageIs400) {
  Client client(server_->port());
  ASSERT_TRUE(client.Send("THIS IS NOT HTTP\r\n\r\n"));
  std::optional<Client::Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr("malformed HTTP request"));
  EXPECT_TRUE(client.ClosedWithin(10s));
  EXPECT_EQ(Roundtrip(Client::Get("/v2/health/live")).status, 200);
}

TEST_F(HttpServerTest, Expect100ContinueGetsTheGoAhead) {
  Client client(server_->port());
  const std::string body(kEchoBody);
  ASSERT_TRUE(
      client.Send(fmt::format("POST /v2/models/echo/infer HTTP/1.1\r\nHost: t\r\n"
                              "Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
                              body.size())));
  std::optional<Client::Response> go_ahead = client.Read();
  ASSERT_TRUE(go_ahead.has_value());
  EXPECT_EQ(go_ahead->status, 100);
  ASSERT_TRUE(client.Send(body));
  std::optional<Client::Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, ManyConcurrentClients) {
  server_.reset();
  StartServer({.io_threads = 2});
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 32; ++c) {
    clients.emplace_back([&] {
      Client client(server_->port());
      for (int i = 0; i < 20; ++i) {
        if (!client.Send(Client::Post("/v2/models/echo/infer", kEchoBody))) return;
        std::optional<Client::Response> response = client.Read();
        if (response && response->status == 200) ++ok;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(ok, 32 * 20);
}

TEST_F(HttpServerTest, StopWaitsForInferenceInFlight) {
  Client idle(server_->port());
  ASSERT_EQ(idle.Send(Client::Get("/v2")) ? idle.Read()->status : 0, 200);
  service_->HoldSlow();
  Client client(server_->port());
  ASSERT_TRUE(client.Send(Client::Post("/v2/models/slow/infer", kEchoBody)));
  ASSERT_TRUE(service_->WaitForSlowRequests(1));
  std::atomic<bool> stopped{false};
  int answered_when_stopped = -1;
  std::thread stop([&] {
    server_->Stop();
    answered_when_stopped = service_->slow_answered();
    stopped = true;
  });
  // Stop has begun (it closes idle connections at once) but cannot end while the
  // inference is held.
  EXPECT_TRUE(idle.ClosedWithin(10s));
  EXPECT_FALSE(stopped);
  service_->ReleaseSlow();
  stop.join();
  EXPECT_EQ(answered_when_stopped, 1);  // Stop returned after the answer came, not before
  EXPECT_TRUE(client.ClosedWithin(10s));
  server_->Stop();  // twice is fine
  Client refused(server_->port());
  EXPECT_FALSE(refused.connected() && refused.Send(Client::Get("/v2")) && refused.Read());
}

// Graceful shutdown: a request being answered when Stop begins still gets its reply (then
// the connection closes), while an idle keep-alive connection is closed at once.
TEST_F(HttpServerTest, StopAnswersTheRequestsInFlight) {
  Client idle(server_->port());
  ASSERT_EQ(idle.Send(Client::Get("/v2")) ? idle.Read()->status : 0, 200);
  service_->HoldSlow();
  Client busy(server_->port());
  ASSERT_TRUE(busy.Send(Client::Post("/v2/models/slow/infer", kEchoBody)));
  ASSERT_TRUE(service_->WaitForSlowRequests(1));  // in the (fake) scheduler now
  std::thread stop([this] { server_->Stop(); });
  EXPECT_TRUE(idle.ClosedWithin(10s));
  service_->ReleaseSlow();
  std::optional<Client::Response> response = busy.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr("\"model_name\":\"slow\""));
  EXPECT_TRUE(busy.ClosedWithin(10s));
  stop.join();
}

TEST_F(HttpServerTest, BinaryInputsAndOutputs) {
  const std::string json =
      R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}],)"
      R"("parameters":{"binary_data_output":true}})";
  const float values[] = {1.5f, -2.0f};
  const std::string binary(reinterpret_cast<const char*>(values), sizeof(values));
  Client::Response response =
      Roundtrip(Client::Post("/v2/models/echo/infer", json + binary,
                             fmt::format("Inference-Header-Content-Length: {}\r\n"
                                         "Content-Type: application/octet-stream\r\n",
                                         json.size())));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("content-type"), "application/octet-stream");
  const std::string reply_json =
      R"({"model_name":"echo","model_version":"1","outputs":[{"name":"x","datatype":"FP32",)"
      R"("shape":[2],"parameters":{"binary_data_size":8}}]})";
  EXPECT_EQ(response.header("inference-header-content-length"), std::to_string(reply_json.size()));
  EXPECT_EQ(response.body, reply_json + binary);
}

TEST_F(HttpServerTest, BinaryOutputsOfAJsonRequest) {
  const std::string json = R"({"inputs":[{"name":"x","shape":[1],"datatype":"INT32","data":[7]}],)"
                           R"("outputs":[{"name":"x","parameters":{"binary_data":true}}]})";
  Client::Response response = Roundtrip(Client::Post("/v2/models/echo/infer", json));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("content-type"), "application/octet-stream");
  const size_t header_length = std::stoul(response.header("inference-header-content-length"));
  EXPECT_EQ(response.body.substr(header_length), std::string("\x07\x00\x00\x00", 4));
}

TEST_F(HttpServerTest, RawBinaryRequest) {
  const float values[] = {1.0f, 2.0f, 3.0f};
  const std::string binary(reinterpret_cast<const char*>(values), sizeof(values));
  Client::Response response = Roundtrip(
      Client::Post("/v2/models/echo/infer", binary, "Inference-Header-Content-Length: 0\r\n"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("content-type"), "application/octet-stream");
  const size_t header_length = std::stoul(response.header("inference-header-content-length"));
  EXPECT_EQ(response.body.substr(0, header_length),
            R"({"model_name":"echo","model_version":"1","outputs":[{"name":"x","datatype":"FP32",)"
            R"("shape":[1,3],"parameters":{"binary_data_size":12}}]})");
  EXPECT_EQ(response.body.substr(header_length), binary);
  // The model decides what the body is: a size that does not fit is the client's error.
  Client::Response odd = Roundtrip(
      Client::Post("/v2/models/echo/infer", "abcde", "Inference-Header-Content-Length: 0\r\n"));
  EXPECT_EQ(odd.status, 400);
  EXPECT_THAT(odd.body, HasSubstr("a body of 5 bytes does not fit input 'x'"));
  EXPECT_EQ(Roundtrip(Client::Post("/v2/models/nope/infer", binary,
                                   "Inference-Header-Content-Length: 0\r\n"))
                .status,
            404);
}

TEST_F(HttpServerTest, LargeHeadersAreReadIntactRequestAfterRequest) {
  // A connection's header fields live in an arena reset between requests: 40 fields of
  // 1000 bytes take several of its blocks, and the field that decides how the body is read
  // comes after them. Small and large requests alternate on one connection.
  const float values[] = {1.0f, 2.0f, 3.0f};
  const std::string binary(reinterpret_cast<const char*>(values), sizeof(values));
  std::string padding;
  for (int i = 0; i < 40; ++i) {
    padding +=
        fmt::format("X-Padding-{}: {}\r\n", i, std::string(1000, static_cast<char>('a' + i % 26)));
  }
  Client client(server_->port());
  for (int round = 0; round < 4; ++round) {
    const bool large = round % 2 == 0;
    ASSERT_TRUE(client.Send(Client::Post(
        "/v2/models/echo/infer", binary,
        (large ? padding : std::string()) + "Inference-Header-Content-Length: 0\r\n")));
    std::optional<Client::Response> response = client.Read();
    ASSERT_TRUE(response.has_value()) << round;
    ASSERT_EQ(response->status, 200) << round << ": " << response->body;
    const size_t header_length = std::stoul(response->header("inference-header-content-length"));
    EXPECT_EQ(response->body.substr(header_length), binary) << round;
    ASSERT_TRUE(client.Send(Client::Get("/v2/health/live")));
    std::optional<Client::Response> live = client.Read();
    ASSERT_TRUE(live.has_value()) << round;
    EXPECT_EQ(live->status, 200) << round;
  }
}

TEST_F(HttpServerTest, BadInferenceHeaderLengthIs400) {
  Client::Response too_long = Roundtrip(
      Client::Post("/v2/models/echo/infer", kEchoBody, "Inference-Header-Content-Length: 999\r\n"));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_THAT(too_long.body,
              HasSubstr("Inference-Header-Content-Length is 999 but the body has only"));
  Client::Response not_a_number = Roundtrip(
      Client::Post("/v2/models/echo/infer", kEchoBody, "Inference-Header-Content-Length: ten\r\n"));
  EXPECT_EQ(not_a_number.status, 400);
  EXPECT_EQ(not_a_number.body,
            R"({"error":"Inference-Header-Content-Length 'ten' is not a byte count"})");
}

class HttpLimitsTest : public HttpServerTest {
 protected:
  void SetUp() override {
    StartServer({.max_body_bytes = 1000, .read_timeout = 400ms, .idle_timeout = 300ms});
  }
};

TEST_F(HttpLimitsTest, ContentLengthOverTheLimitIs413FromTheHeaders) {
  Client client(server_->port());
  ASSERT_TRUE(
      client.Send("POST /v2/models/echo/infer HTTP/1.1\r\nHost: t\r\n"
                  "Content-Length: 5000\r\n\r\n"));
  std::optional<Client::Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_EQ(response->body, R"({"error":"request body is larger than the limit of 1000 bytes"})");
  // The body that follows is drained, so the client does not see a reset.
  EXPECT_TRUE(client.Send(std::string(5000, ' ')));
  EXPECT_TRUE(client.ClosedWithin(10s));
}

TEST_F(HttpLimitsTest, ChunkedBodyOverTheLimitIs413) {
  Client client(server_->port());
  std::string request =
      "POST /v2/models/echo/infer HTTP/1.1\r\nHost: t\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) request += "64\r\n" + std::string(100, ' ') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.Send(request));
  std::optional<Client::Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(client.ClosedWithin(10s));
}

TEST_F(HttpLimitsTest, BodyAtTheLimitIsServed) {
  std::string body(kEchoBody);
  body.resize(1000, ' ');
  EXPECT_EQ(Roundtrip(Client::Post("/v2/models/echo/infer", body)).status, 200);
}

// Time is the behaviour here: the deadline is armed after `start`, so it cannot pass
// sooner, except by the coarse clock's lag beyond its stated resolution when a VM's tick
// comes late (http_connection.h): kTickSlack. The upper bounds are generous (30x or more).
constexpr auto kTickSlack = 5ms;

TEST_F(HttpLimitsTest, IdleConnectionIsClosed) {
  Client client(server_->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Send(Client::Get("/v2/health/live")));
  ASSERT_TRUE(client.Read().has_value());
  EXPECT_TRUE(client.ClosedWithin(10s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms - kTickSlack);  // idle_timeout
  const auto silent_start = std::chrono::steady_clock::now();
  Client silent(server_->port());
  EXPECT_TRUE(silent.ClosedWithin(10s));
  EXPECT_GE(std::chrono::steady_clock::now() - silent_start, 300ms - kTickSlack);
}

TEST_F(HttpLimitsTest, HalfSentRequestIsClosedByTheReadTimeout) {
  Client client(server_->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      client.Send("POST /v2/models/echo/infer HTTP/1.1\r\nHost: t\r\n"
                  "Content-Length: 100\r\n\r\n{"));
  EXPECT_TRUE(client.ClosedWithin(10s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms - kTickSlack);  // read_timeout
  // A trickle of header bytes does not extend the deadline: a byte every 100 ms for up to
  // 10 s (25 read timeouts) still gets the connection closed.
  Client trickle(server_->port());
  const auto trickle_start = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - trickle_start < 10s) {
    closed = !trickle.Send("X") || trickle.ClosedWithin(100ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_GE(std::chrono::steady_clock::now() - trickle_start, 400ms - kTickSlack);
}

TEST(HttpServerStart, BindErrorNamesTheAddress) {
  auto service = std::make_shared<FakeInferenceService>();
  absl::StatusOr<std::unique_ptr<HttpServer>> first =
      HttpServer::Start(*service, {.host = "127.0.0.1", .port = 0});
  ASSERT_TRUE(first.ok()) << first.status();
  const uint16_t port = (*first)->port();
  absl::StatusOr<std::unique_ptr<HttpServer>> second =
      HttpServer::Start(*service, {.host = "127.0.0.1", .port = port});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(second.status().message()),
            fmt::format("cannot listen on 127.0.0.1:{}: address already in use", port));
  absl::StatusOr<std::unique_ptr<HttpServer>> bad_host =
      HttpServer::Start(*service, {.host = "no.such.host.invalid", .port = 0});
  ASSERT_FALSE(bad_host.ok());
  EXPECT_THAT(std::string(bad_host.status().message()),
              HasSubstr("cannot listen on no.such.host.invalid:0: "));
}

TEST(HttpServerStart, ListensOnAHostName) {
  FakeInferenceService service;
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(service, {.host = "localhost", .port = 0});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_NE((*server)->port(), 0);
}

}  // namespace
}  // namespace tensord::http

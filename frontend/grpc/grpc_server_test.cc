// The gRPC frontend end to end, in process: a real Server over the fake runtime
// (repository/test_util), a GrpcServer on port 0, and grpc++ stubs as the client.
#include "frontend/grpc/grpc_server.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "repository/test_util/fake_runtime.h"
#include "serving/server.h"

namespace tensord::grpc {
namespace {

using inference::GRPCInferenceService;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string RawFloats(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

inference::ModelInferRequest EchoRequest(const std::vector<float>& values,
                                         const std::string& id = "") {
  inference::ModelInferRequest request;
  request.set_model_name("echo");
  request.set_id(id);
  auto* input = request.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  input->add_shape(static_cast<int64_t>(values.size()));
  request.add_raw_input_contents(RawFloats(values));
  return request;
}

class GrpcServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                      ("grpc_server_test_" + std::to_string(::getpid())));
    WriteFile(*root_ / "echo/1/model.fake", "input x FP32 -1\noutput y FP32 -1\n");
    WriteFile(*root_ / "failing/1/model.fake",
              "input x FP32 -1\noutput y FP32 -1\nfail_execute the model broke\n");
    WriteFile(*root_ / "broken/1/model.fake", "fail_load cannot load this\n");
    registry_ = new runtime::RuntimeRegistry();
    testing::RegisterFakeRuntime(*registry_);
    Server::Options options;
    options.model_repository = *root_;
    options.extensions = {"model_repository", "binary_tensor_data"};
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Create(options, *registry_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete registry_;
    std::filesystem::remove_all(*root_);
    delete root_;
  }

  void SetUp() override { StartGrpc({}); }
  void TearDown() override {
    if (grpc_ != nullptr) grpc_->Stop();
  }

  void StartGrpc(GrpcOptions options) {
    if (grpc_ != nullptr) grpc_->Stop();
    options.host = "127.0.0.1";
    options.port = 0;
    options.shutdown_grace = std::chrono::milliseconds(200);
    absl::StatusOr<std::unique_ptr<GrpcServer>> grpc = GrpcServer::Start(*server_, options);
    ASSERT_TRUE(grpc.ok()) << grpc.status();
    grpc_ = *std::move(grpc);
    ASSERT_NE(grpc_->port(), 0);
    channel_ = ::grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_->port()),
                                     ::grpc::InsecureChannelCredentials());
    stub_ = GRPCInferenceService::NewStub(channel_);
  }

  static std::filesystem::path* root_;
  static runtime::RuntimeRegistry* registry_;
  static Server* server_;
  std::unique_ptr<GrpcServer> grpc_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<GRPCInferenceService::Stub> stub_;
};
std::filesystem::path* GrpcServerTest::root_ = nullptr;
runtime::RuntimeRegistry* GrpcServerTest::registry_ = nullptr;
Server* GrpcServerTest::server_ = nullptr;

TEST_F(GrpcServerTest, Health) {
  ::grpc::ClientContext c1, c2, c3, c4, c5;
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(&c1, {}, &live).ok());
  EXPECT_TRUE(live.live());
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(&c2, {}, &ready).ok());
  EXPECT_TRUE(ready.ready());

  inference::ModelReadyRequest request;
  inference::ModelReadyResponse model_ready;
  request.set_name("echo");
  ASSERT_TRUE(stub_->ModelReady(&c3, request, &model_ready).ok());
  EXPECT_TRUE(model_ready.ready());
  request.set_name("broken");
  ASSERT_TRUE(stub_->ModelReady(&c4, request, &model_ready).ok());
  EXPECT_FALSE(model_ready.ready());
  request.set_name("nope");
  ASSERT_TRUE(stub_->ModelReady(&c5, request, &model_ready).ok());
  EXPECT_FALSE(model_ready.ready());
}

TEST_F(GrpcServerTest, ServerMetadata) {
  ::grpc::ClientContext context;
  inference::ServerMetadataResponse response;
  ASSERT_TRUE(stub_->ServerMetadata(&context, {}, &response).ok());
  EXPECT_EQ(response.name(), "tensord");
  EXPECT_EQ(response.version(), TensordVersion());
  EXPECT_THAT(response.extensions(), ElementsAre("model_repository", "binary_tensor_data"));
}

TEST_F(GrpcServerTest, ModelMetadataAndConfig) {
  ::grpc::ClientContext c1, c2, c3, c4;
  inference::ModelMetadataRequest request;
  request.set_name("echo");
  inference::ModelMetadataResponse metadata;
  ASSERT_TRUE(stub_->ModelMetadata(&c1, request, &metadata).ok());
  EXPECT_EQ(metadata.name(), "echo");
  EXPECT_THAT(metadata.versions(), ElementsAre("1"));
  EXPECT_EQ(metadata.platform(), "fake");
  ASSERT_EQ(metadata.inputs_size(), 1);
  EXPECT_EQ(metadata.inputs(0).name(), "x");
  EXPECT_EQ(metadata.inputs(0).datatype(), "FP32");
  EXPECT_THAT(metadata.inputs(0).shape(), ElementsAre(-1));

  inference::ModelConfigRequest config_request;
  config_request.set_name("echo");
  inference::ModelConfigResponse config;
  ASSERT_TRUE(stub_->ModelConfig(&c2, config_request, &config).ok());
  EXPECT_EQ(config.config().name(), "echo");
  ASSERT_EQ(config.config().input_size(), 1);
  EXPECT_EQ(config.config().input(0).data_type(), inference::TYPE_FP32);

  request.set_name("nope");
  ::grpc::Status status = stub_->ModelMetadata(&c3, request, &metadata);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("nope"));
  config_request.set_name("nope");
  status = stub_->ModelConfig(&c4, config_request, &config);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, ModelInferRawAndTyped) {
  ::grpc::ClientContext c1, c2;
  inference::ModelInferResponse response;
  ASSERT_TRUE(stub_->ModelInfer(&c1, EchoRequest({1, 2, 3}, "r1"), &response).ok());
  EXPECT_EQ(response.model_name(), "echo");
  EXPECT_EQ(response.model_version(), "1");
  EXPECT_EQ(response.id(), "r1");
  ASSERT_EQ(response.outputs_size(), 1);
  EXPECT_EQ(response.outputs(0).name(), "y");
  EXPECT_EQ(response.outputs(0).datatype(), "FP32");
  EXPECT_THAT(response.outputs(0).shape(), ElementsAre(3));
  ASSERT_EQ(response.raw_output_contents_size(), 1);
  EXPECT_EQ(response.raw_output_contents(0), RawFloats({1, 2, 3}));

  inference::ModelInferRequest typed = EchoRequest({});
  typed.clear_raw_input_contents();
  typed.mutable_inputs(0)->set_shape(0, 2);
  typed.mutable_inputs(0)->mutable_contents()->add_fp32_contents(4);
  typed.mutable_inputs(0)->mutable_contents()->add_fp32_contents(5);
  ASSERT_TRUE(stub_->ModelInfer(&c2, typed, &response).ok());
  EXPECT_EQ(response.raw_output_contents(0), RawFloats({4, 5}));
}

TEST_F(GrpcServerTest, ModelInferErrors) {
  struct Case {
    inference::ModelInferRequest request;
    ::grpc::StatusCode code;
    std::string fragment;
  };
  std::vector<Case> cases;
  inference::ModelInferRequest unknown = EchoRequest({1});
  unknown.set_model_name("nope");
  cases.push_back({unknown, ::grpc::StatusCode::NOT_FOUND, "nope"});
  inference::ModelInferRequest broken = EchoRequest({1});
  broken.set_model_name("broken");
  cases.push_back({broken, ::grpc::StatusCode::UNAVAILABLE, "cannot load this"});
  inference::ModelInferRequest bad_size = EchoRequest({1, 2});
  bad_size.mutable_inputs(0)->set_shape(0, 3);
  cases.push_back({bad_size, ::grpc::StatusCode::INVALID_ARGUMENT,
                   "input 'x': data has 8 bytes but shape [3] needs 3 elements"});
  inference::ModelInferRequest wrong_name = EchoRequest({1});
  wrong_name.mutable_inputs(0)->set_name("z");
  cases.push_back({wrong_name, ::grpc::StatusCode::INVALID_ARGUMENT, "'z'"});
  inference::ModelInferRequest failing = EchoRequest({1});
  failing.set_model_name("failing");
  cases.push_back({failing, ::grpc::StatusCode::INVALID_ARGUMENT, "the model broke"});
  for (const Case& c : cases) {
    ::grpc::ClientContext context;
    inference::ModelInferResponse response;
    ::grpc::Status status = stub_->ModelInfer(&context, c.request, &response);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.fragment));
  }
  // Still serving.
  ::grpc::ClientContext context;
  inference::ModelInferResponse response;
  EXPECT_TRUE(stub_->ModelInfer(&context, EchoRequest({7}), &response).ok());
}

TEST_F(GrpcServerTest, StatisticsCountTheRequestsServed) {
  ::grpc::ClientContext c0;
  inference::ModelStatisticsRequest request;
  request.set_name("echo");
  inference::ModelStatisticsResponse before;
  ASSERT_TRUE(stub_->ModelStatistics(&c0, request, &before).ok());
  ASSERT_EQ(before.model_stats_size(), 1);
  for (int i = 0; i < 3; ++i) {
    ::grpc::ClientContext context;
    inference::ModelInferResponse response;
    ASSERT_TRUE(stub_->ModelInfer(&context, EchoRequest({1, 2}), &response).ok());
  }
  ::grpc::ClientContext c1, c2, c3;
  inference::ModelStatisticsResponse after;
  ASSERT_TRUE(stub_->ModelStatistics(&c1, request, &after).ok());
  const inference::ModelStatistics& echo = after.model_stats(0);
  EXPECT_EQ(echo.name(), "echo");
  EXPECT_EQ(echo.version(), "1");
  EXPECT_EQ(echo.inference_stats().success().count() -
                before.model_stats(0).inference_stats().success().count(),
            3u);
  EXPECT_GT(echo.inference_stats().compute_infer().ns(), 0u);
  EXPECT_GT(echo.last_inference(), 0u);
  ASSERT_GE(echo.batch_stats_size(), 1);

  inference::ModelStatisticsResponse all;
  ASSERT_TRUE(stub_->ModelStatistics(&c2, {}, &all).ok());
  EXPECT_EQ(all.model_stats_size(), 2);  // echo and failing; broken is not ready

  request.set_name("no_such_model");
  inference::ModelStatisticsResponse unknown;
  EXPECT_EQ(stub_->ModelStatistics(&c3, request, &unknown).error_code(),
            ::grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, RepositoryIndexAndControlInModeNone) {
  ::grpc::ClientContext c1, c2, c3, c4;
  inference::RepositoryIndexResponse index;
  ASSERT_TRUE(stub_->RepositoryIndex(&c1, {}, &index).ok());
  std::vector<std::string> rows;
  for (const auto& m : index.models())
    rows.push_back(m.name() + " " + m.version() + " " + m.state());
  EXPECT_THAT(rows, ElementsAre("broken 1 UNAVAILABLE", "echo 1 READY", "failing 1 READY"));
  inference::RepositoryIndexRequest ready_only;
  ready_only.set_ready(true);
  ASSERT_TRUE(stub_->RepositoryIndex(&c2, ready_only, &index).ok());
  EXPECT_EQ(index.models_size(), 2);

  inference::RepositoryModelLoadRequest load;
  load.set_model_name("echo");
  inference::RepositoryModelLoadResponse loaded;
  ::grpc::Status status = stub_->RepositoryModelLoad(&c3, load, &loaded);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "explicit model load / unload is not allowed if polling is enabled");
  inference::RepositoryModelUnloadRequest unload;
  unload.set_model_name("echo");
  inference::RepositoryModelUnloadResponse unloaded;
  EXPECT_EQ(stub_->RepositoryModelUnload(&c4, unload, &unloaded).error_code(),
            ::grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcServerTest, StreamAnswersInOrderAndSurvivesBadRequests) {
  ::grpc::ClientContext context;
  auto stream = stub_->ModelStreamInfer(&context);
  inference::ModelInferRequest bad = EchoRequest({1, 2}, "bad");
  bad.mutable_inputs(0)->set_shape(0, 5);
  inference::ModelInferRequest unknown = EchoRequest({1}, "unknown");
  unknown.set_model_name("nope");
  const std::vector<inference::ModelInferRequest> requests = {
      EchoRequest({1}, "a"), bad, EchoRequest({2, 3}, "b"), unknown, EchoRequest({4}, "c")};
  for (const auto& request : requests) ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->WritesDone());

  std::vector<inference::ModelStreamInferResponse> responses;
  inference::ModelStreamInferResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 5u);
  EXPECT_EQ(responses[0].error_message(), "");
  EXPECT_EQ(responses[0].infer_response().id(), "a");
  EXPECT_EQ(responses[0].infer_response().raw_output_contents(0), RawFloats({1}));
  EXPECT_THAT(responses[1].error_message(), HasSubstr("input 'x': data has 8 bytes"));
  EXPECT_EQ(responses[1].infer_response().id(), "bad");
  EXPECT_EQ(responses[2].infer_response().raw_output_contents(0), RawFloats({2, 3}));
  EXPECT_THAT(responses[3].error_message(), HasSubstr("nope"));
  EXPECT_EQ(responses[4].infer_response().id(), "c");
}

TEST_F(GrpcServerTest, StreamLongerThanTheBacklogLimit) {
  // More requests than the stream holds unwritten answers for: reading pauses and resumes.
  ::grpc::ClientContext context;
  auto stream = stub_->ModelStreamInfer(&context);
  constexpr int kRequests = 300;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(stream->Write(EchoRequest({float(i)}, std::to_string(i))));
  }
  ASSERT_TRUE(stream->WritesDone());
  inference::ModelStreamInferResponse response;
  int expected = 0;
  while (stream->Read(&response)) {
    ASSERT_EQ(response.infer_response().id(), std::to_string(expected));
    EXPECT_EQ(response.infer_response().raw_output_contents(0), RawFloats({float(expected)}));
    ++expected;
  }
  EXPECT_EQ(expected, kRequests);
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(GrpcServerTest, ManyConcurrentCallsOnSeveralQueues) {
  StartGrpc({.cq_threads = 3});
  constexpr int kThreads = 6;
  constexpr int kCalls = 60;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        ::grpc::ClientContext context;
        inference::ModelInferResponse response;
        const float value = static_cast<float>(t * 1000 + i);
        if (stub_->ModelInfer(&context, EchoRequest({value}), &response).ok() &&
            response.raw_output_contents(0) == RawFloats({value})) {
          ++ok;
        }
      }
    });
  }
  // A stream alongside the unary calls.
  ::grpc::ClientContext context;
  auto stream = stub_->ModelStreamInfer(&context);
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(stream->Write(EchoRequest({float(i)}, std::to_string(i))));
  stream->WritesDone();
  inference::ModelStreamInferResponse response;
  int expected = 0;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.infer_response().id(), std::to_string(expected));
    ++expected;
  }
  EXPECT_EQ(expected, 50);
  EXPECT_TRUE(stream->Finish().ok());
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kCalls);
}

TEST_F(GrpcServerTest, OverSizeMessageIsResourceExhausted) {
  StartGrpc({.max_message_bytes = 4096});
  ::grpc::ClientContext context;
  inference::ModelInferResponse response;
  ::grpc::Status status =
      stub_->ModelInfer(&context, EchoRequest(std::vector<float>(2048, 1.0f)), &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  ::grpc::ClientContext small;
  EXPECT_TRUE(stub_->ModelInfer(&small, EchoRequest({1}), &response).ok());
}

TEST_F(GrpcServerTest, GzipRequestsAccepted) {
  ::grpc::ClientContext context;
  context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  inference::ModelInferResponse response;
  ASSERT_TRUE(
      stub_->ModelInfer(&context, EchoRequest(std::vector<float>(1000, 0.0f)), &response).ok());
  EXPECT_EQ(response.raw_output_contents(0).size(), 4000u);
}

TEST_F(GrpcServerTest, BusyPortIsAClearError) {
  GrpcOptions options;
  options.host = "127.0.0.1";
  options.port = grpc_->port();
  absl::StatusOr<std::unique_ptr<GrpcServer>> second = GrpcServer::Start(*server_, options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(
      std::string(second.status().message()),
      HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(grpc_->port()) + " for gRPC"));
}

TEST_F(GrpcServerTest, StopWithAnOpenStream) {
  ::grpc::ClientContext context;
  auto stream = stub_->ModelStreamInfer(&context);
  ASSERT_TRUE(stream->Write(EchoRequest({1}, "open")));
  inference::ModelStreamInferResponse response;
  ASSERT_TRUE(stream->Read(&response));
  // The client never closes: Stop waits out the grace period (200 ms, StartGrpc), then
  // cancels the stream. Time is the behaviour: a lower bound the grace guarantees (half
  // of it, for clock rounding) and an upper one 100 times the grace, so Stop cannot hang.
  const auto start = std::chrono::steady_clock::now();
  grpc_->Stop();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(100));
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  grpc_->Stop();  // idempotent
  grpc_.reset();
  EXPECT_FALSE(stream->Read(&response));
}

}  // namespace
}  // namespace tensord::grpc

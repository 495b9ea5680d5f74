// The honest floor for tensord's gRPC path: a minimal grpc++ completion-queue server that
// answers ModelInfer by echoing each input back as an output (raw contents), with nothing of
// tensord in between. bench/overhead.sh runs it beside tensord under the same load.
//
//   build/release/bench/grpc_floor/grpc_floor_server --port 0 --threads 1
//   (prints "serving gRPC on 127.0.0.1:PORT", serves until SIGTERM/SIGINT)
//
// It is what "the cost of the library" means in issue 12: the same generated service, the
// same message sizes, one completion queue per thread, and one call object per request.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace {

using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;

// One ModelInfer in flight: waits for a request, answers it, then frees itself after
// posting its successor.
class EchoCall {
 public:
  EchoCall(GRPCInferenceService::AsyncService& service, grpc::ServerCompletionQueue& cq)
      : service_(service), cq_(cq), responder_(&context_) {
    service_.RequestModelInfer(&context_, &request_, &responder_, &cq_, &cq_, this);
  }

  void Proceed(bool ok) {
    if (answered_ || !ok) {
      delete this;
      return;
    }
    new EchoCall(service_, cq_);
    response_.set_model_name(request_.model_name());
    response_.set_id(request_.id());
    for (int i = 0; i < request_.inputs_size(); ++i) {
      const auto& in = request_.inputs(i);
      auto* out = response_.add_outputs();
      out->set_name(in.name());
      out->set_datatype(in.datatype());
      *out->mutable_shape() = in.shape();
      if (i < request_.raw_input_contents_size()) {
        response_.add_raw_output_contents(request_.raw_input_contents(i));
      }
    }
    answered_ = true;
    responder_.Finish(response_, grpc::Status::OK, this);
  }

 private:
  GRPCInferenceService::AsyncService& service_;
  grpc::ServerCompletionQueue& cq_;
  grpc::ServerContext context_;
  ModelInferRequest request_;
  ModelInferResponse response_;
  grpc::ServerAsyncResponseWriter<ModelInferResponse> responder_;
  bool answered_ = false;
};

std::unique_ptr<grpc::Server> g_server;

void Stop(int) {
  // Shutdown from a signal handler is not async-signal-safe; a detached thread does it.
  std::thread([] { g_server->Shutdown(); }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (flag == "--threads") {
      threads = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  // As tensord's main does: Debian's Abseil is built without NDEBUG, so every absl::Mutex
  // lock inside gRPC would otherwise run the deadlock detector's bookkeeping.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  GRPCInferenceService::AsyncService service;
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &selected);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (int i = 0; i < threads; ++i) queues.push_back(builder.AddCompletionQueue());
  g_server = builder.BuildAndStart();
  if (g_server == nullptr || selected == 0) {
    std::fprintf(stderr, "cannot listen on port %d\n", port);
    return 1;
  }
  std::printf("serving gRPC on 127.0.0.1:%d\n", selected);
  std::fflush(stdout);
  std::signal(SIGTERM, Stop);
  std::signal(SIGINT, Stop);
  std::vector<std::thread> workers;
  for (auto& queue : queues) {
    grpc::ServerCompletionQueue* cq = queue.get();
    new EchoCall(service, *cq);
    workers.emplace_back([cq] {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<EchoCall*>(tag)->Proceed(ok);
    });
  }
  g_server->Wait();
  for (auto& queue : queues) queue->Shutdown();
  for (std::thread& worker : workers) worker.join();
  return 0;
}

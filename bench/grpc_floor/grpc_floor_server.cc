// The honest floor for tensord's gRPC path: a minimal grpc++ completion-queue server that
// answers ModelInfer by echoing each input back as an output (raw contents), with nothing of
// tensord in between. bench/overhead.sh runs it beside tensord under the same load.
//
//   build/release/bench/grpc_floor/grpc_floor_server --port 0 --threads 1
//   (prints "serving gRPC on 127.0.0.1:PORT", serves until SIGTERM/SIGINT)
//
// It is what "the cost of the library" means in issue 12: the same generated service, the
// same message sizes, one completion queue per thread, and one call object per request.
//
// With --onnx MODEL.onnx it is the floor for a real model as well: it runs the model in ONNX
// Runtime on the request's raw inputs (one session per queue thread, one intra-op thread, no
// spinning: tensord's defaults) and answers every model output, copied into
// raw_output_contents. That is what a hand-written grpc++ server around ONNX Runtime costs,
// so tensord against it is tensord's own overhead with the model's run included on both
// sides. It prints "answered N, failed M" when it stops; a failed request (a datatype outside
// its small table, an input the model refuses) is answered with INVALID_ARGUMENT.
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "onnxruntime_cxx_api.h"

namespace {

using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;

std::atomic<long> g_answered{0};
std::atomic<long> g_failed{0};

// The protocol's fixed-size datatypes and ONNX's element types.
constexpr std::array<std::pair<std::string_view, ONNXTensorElementDataType>, 12> kTypes = {{
    {"BOOL", ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL},
    {"UINT8", ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8},
    {"UINT16", ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16},
    {"UINT32", ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32},
    {"UINT64", ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64},
    {"INT8", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8},
    {"INT16", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16},
    {"INT32", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32},
    {"INT64", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64},
    {"FP16", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16},
    {"FP32", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT},
    {"FP64", ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE},
}};

std::optional<ONNXTensorElementDataType> OnnxType(std::string_view datatype) {
  for (const auto& [name, type] : kTypes) {
    if (name == datatype) return type;
  }
  return std::nullopt;
}

std::string_view DatatypeName(ONNXTensorElementDataType type) {
  for (const auto& [name, onnx] : kTypes) {
    if (onnx == type) return name;
  }
  return "";
}

// One queue thread's ONNX Runtime session and its output names.
struct OnnxModel {
  OnnxModel(Ort::Env& env, const std::string& path)
      : session(env, path.c_str(), Options()),
        cpu(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)) {
    Ort::AllocatorWithDefaultOptions allocator;
    for (size_t i = 0; i < session.GetOutputCount(); ++i) {
      output_names.push_back(session.GetOutputNameAllocated(i, allocator).get());
    }
    for (const std::string& name : output_names) output_name_pointers.push_back(name.c_str());
  }

  static Ort::SessionOptions Options() {
    Ort::SessionOptions options;
    options.SetIntraOpNumThreads(1);
    options.SetInterOpNumThreads(1);
    options.AddConfigEntry("session.intra_op.allow_spinning", "0");
    options.AddConfigEntry("session.inter_op.allow_spinning", "0");
    return options;
  }

  Ort::Session session;
  Ort::MemoryInfo cpu;
  Ort::RunOptions run_options;
  std::vector<std::string> output_names;
  std::vector<const char*> output_name_pointers;
};

// Runs `model` on the request's raw inputs and fills `response`; the status is the client's.
grpc::Status RunModel(OnnxModel& model, ModelInferRequest& request, ModelInferResponse& response) {
  const int count = request.inputs_size();
  if (request.raw_input_contents_size() != count) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "every input must come in raw_input_contents"};
  }
  std::vector<const char*> names;
  std::vector<Ort::Value> inputs;
  names.reserve(count);
  inputs.reserve(count);
  for (int i = 0; i < count; ++i) {
    const auto& in = request.inputs(i);
    std::optional<ONNXTensorElementDataType> type = OnnxType(in.datatype());
    if (!type) return {grpc::StatusCode::INVALID_ARGUMENT, "unsupported datatype " + in.datatype()};
    std::string& raw = *request.mutable_raw_input_contents(i);
    names.push_back(in.name().c_str());
    inputs.push_back(Ort::Value::CreateTensor(model.cpu, raw.data(), raw.size(), in.shape().data(),
                                              in.shape_size(), *type));
  }
  std::vector<Ort::Value> outputs =
      model.session.Run(model.run_options, names.data(), inputs.data(), inputs.size(),
                        model.output_name_pointers.data(), model.output_name_pointers.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    Ort::TensorTypeAndShapeInfo info = outputs[i].GetTensorTypeAndShapeInfo();
    auto* out = response.add_outputs();
    out->set_name(model.output_names[i]);
    out->set_datatype(std::string(DatatypeName(info.GetElementType())));
    for (int64_t dim : info.GetShape()) out->add_shape(dim);
    response.add_raw_output_contents(static_cast<const char*>(outputs[i].GetTensorRawData()),
                                     outputs[i].GetTensorSizeInBytes());
  }
  return grpc::Status::OK;
}

// One ModelInfer in flight: waits for a request, answers it, then frees itself after
// posting its successor. Without a model it echoes the inputs.
class EchoCall {
 public:
  EchoCall(GRPCInferenceService::AsyncService& service, grpc::ServerCompletionQueue& cq,
           OnnxModel* model)
      : service_(service), cq_(cq), model_(model), responder_(&context_) {
    service_.RequestModelInfer(&context_, &request_, &responder_, &cq_, &cq_, this);
  }

  void Proceed(bool ok) {
    if (answered_ || !ok) {
      delete this;
      return;
    }
    new EchoCall(service_, cq_, model_);
    response_.set_model_name(request_.model_name());
    response_.set_id(request_.id());
    grpc::Status status = grpc::Status::OK;
    if (model_ != nullptr) {
      try {
        status = RunModel(*model_, request_, response_);
      } catch (const Ort::Exception& e) {
        status = {grpc::StatusCode::INVALID_ARGUMENT, e.what()};
      }
    } else {
      Echo();
    }
    (status.ok() ? g_answered : g_failed).fetch_add(1, std::memory_order_relaxed);
    answered_ = true;
    if (status.ok()) {
      responder_.Finish(response_, status, this);
    } else {
      responder_.FinishWithError(status, this);
    }
  }

 private:
  void Echo() {
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
  }

  GRPCInferenceService::AsyncService& service_;
  grpc::ServerCompletionQueue& cq_;
  OnnxModel* model_;  // null: echo
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
  std::string onnx;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (flag == "--threads") {
      threads = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--onnx") {
      onnx = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--threads N] [--onnx MODEL.onnx]\n", argv[0]);
      return 2;
    }
  }
  // As tensord's main does: Debian's Abseil is built without NDEBUG, so every absl::Mutex
  // lock inside gRPC would otherwise run the deadlock detector's bookkeeping.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::optional<Ort::Env> env;
  std::vector<std::unique_ptr<OnnxModel>> models;  // one per queue thread
  if (!onnx.empty()) {
    try {
      env.emplace(ORT_LOGGING_LEVEL_ERROR, "grpc_floor");
      for (int i = 0; i < threads; ++i) models.push_back(std::make_unique<OnnxModel>(*env, onnx));
    } catch (const Ort::Exception& e) {
      std::fprintf(stderr, "cannot load %s: %s\n", onnx.c_str(), e.what());
      return 1;
    }
  }
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
  for (size_t i = 0; i < queues.size(); ++i) {
    grpc::ServerCompletionQueue* cq = queues[i].get();
    new EchoCall(service, *cq, models.empty() ? nullptr : models[i].get());
    workers.emplace_back([cq] {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<EchoCall*>(tag)->Proceed(ok);
    });
  }
  g_server->Wait();
  for (auto& queue : queues) queue->Shutdown();
  for (std::thread& worker : workers) worker.join();
  std::printf("answered %ld, failed %ld\n", g_answered.load(), g_failed.load());
  return 0;
}

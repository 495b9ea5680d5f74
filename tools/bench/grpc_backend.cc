#include "tools/bench/grpc_backend.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "fmt/format.h"
#include "grpc_service.grpc.pb.h"

namespace tensord::bench {
namespace {

using Stub = inference::GRPCInferenceService::Stub;
using Requests = std::shared_ptr<const std::vector<inference::ModelInferRequest>>;

absl::Status FromGrpc(const ::grpc::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(
      static_cast<absl::StatusCode>(s.error_code()),
      fmt::format("{}: gRPC {}: {}", what, static_cast<int>(s.error_code()), s.error_message()));
}

std::shared_ptr<::grpc::Channel> NewChannel(const std::string& target) {
  ::grpc::ChannelArguments args;
  // A private subchannel pool gives every worker its own connection, as one socket per
  // HTTP worker does; otherwise all channels to a target share one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return ::grpc::CreateCustomChannel(target, ::grpc::InsecureChannelCredentials(), args);
}

class UnaryClient : public Client {
 public:
  UnaryClient(const std::string& target, Requests requests)
      : stub_(inference::GRPCInferenceService::NewStub(NewChannel(target))),
        requests_(std::move(requests)) {}

  absl::Status Infer(size_t index, CallTiming&) override {
    ::grpc::ClientContext context;
    inference::ModelInferResponse response;
    return FromGrpc(stub_->ModelInfer(&context, (*requests_)[index % requests_->size()], &response),
                    "ModelInfer");
  }

 private:
  std::unique_ptr<Stub> stub_;
  Requests requests_;
};

class StreamClient : public Client {
 public:
  StreamClient(const std::string& target, Requests requests)
      : stub_(inference::GRPCInferenceService::NewStub(NewChannel(target))),
        requests_(std::move(requests)) {}
  ~StreamClient() override { Close(); }

  absl::Status Infer(size_t index, CallTiming&) override {
    if (!stream_) {
      context_ = std::make_unique<::grpc::ClientContext>();
      stream_ = stub_->ModelStreamInfer(context_.get());
    }
    inference::ModelStreamInferResponse response;
    if (!stream_->Write((*requests_)[index % requests_->size()]) || !stream_->Read(&response)) {
      ::grpc::Status status = Close();
      return FromGrpc(
          status.ok() ? ::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "stream ended") : status,
          "ModelStreamInfer");
    }
    if (!response.error_message().empty()) {
      return absl::InternalError("ModelStreamInfer: " + response.error_message());
    }
    return absl::OkStatus();
  }

 private:
  ::grpc::Status Close() {
    if (!stream_) return ::grpc::Status::OK;
    stream_->WritesDone();
    ::grpc::Status status = stream_->Finish();
    stream_.reset();
    context_.reset();
    return status;
  }

  std::unique_ptr<Stub> stub_;
  Requests requests_;
  std::unique_ptr<::grpc::ClientContext> context_;
  std::unique_ptr<
      ::grpc::ClientReaderWriter<inference::ModelInferRequest, inference::ModelStreamInferResponse>>
      stream_;
};

class GrpcBackend : public Backend {
 public:
  explicit GrpcBackend(GrpcOptions o)
      : o_(std::move(o)), stub_(inference::GRPCInferenceService::NewStub(NewChannel(o_.target))) {}

  std::string Describe() const override {
    return fmt::format("{} {}", o_.streaming ? "grpc-stream" : "grpc", o_.target);
  }

  absl::StatusOr<ModelInfo> Metadata() override {
    ::grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    inference::ModelMetadataRequest request;
    request.set_name(o_.model);
    request.set_version(o_.version);
    inference::ModelMetadataResponse response;
    ::grpc::Status s = stub_->ModelMetadata(&context, request, &response);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          fmt::format("cannot read the metadata of model '{}' over gRPC at {}: {}",
                                      o_.model, o_.target, s.error_message()));
    }
    ModelInfo info{.name = response.name(), .platform = response.platform()};
    info.versions.assign(response.versions().begin(), response.versions().end());
    for (const auto& t : response.inputs()) {
      info.inputs.push_back({t.name(), t.datatype(), {t.shape().begin(), t.shape().end()}});
    }
    for (const auto& t : response.outputs()) {
      info.outputs.push_back({t.name(), t.datatype(), {t.shape().begin(), t.shape().end()}});
    }
    return info;
  }

  absl::StatusOr<std::optional<ServerStatsSnapshot>> Statistics() override {
    ::grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    inference::ModelStatisticsRequest request;
    request.set_name(o_.model);
    request.set_version(o_.version);
    inference::ModelStatisticsResponse response;
    ::grpc::Status s = stub_->ModelStatistics(&context, request, &response);
    if (s.error_code() == ::grpc::StatusCode::UNIMPLEMENTED) {
      return std::optional<ServerStatsSnapshot>();
    }
    if (!s.ok()) return FromGrpc(s, "ModelStatistics");
    ServerStatsSnapshot out;
    for (const auto& m : response.model_stats()) {
      out.inference_count += m.inference_count();
      out.execution_count += m.execution_count();
      const auto& st = m.inference_stats();
      out.success_count += st.success().count();
      out.failure_count += st.fail().count();
      out.queue_ns += st.queue().ns();
      out.compute_input_ns += st.compute_input().ns();
      out.compute_infer_ns += st.compute_infer().ns();
      out.compute_output_ns += st.compute_output().ns();
    }
    return std::optional<ServerStatsSnapshot>(out);
  }

  absl::Status Prepare(const std::vector<RequestInputs>& requests) override {
    auto out = std::make_shared<std::vector<inference::ModelInferRequest>>();
    for (const RequestInputs& inputs : requests) {
      inference::ModelInferRequest r;
      r.set_model_name(o_.model);
      r.set_model_version(o_.version);
      for (const InputTensor& t : inputs) {
        auto* input = r.add_inputs();
        input->set_name(t.name);
        input->set_datatype(t.datatype);
        for (int64_t d : t.shape) input->add_shape(d);
        r.add_raw_input_contents(t.raw);
      }
      out->push_back(std::move(r));
    }
    requests_ = std::move(out);
    return absl::OkStatus();
  }
  size_t prepared_count() const override { return requests_ ? requests_->size() : 0; }

  absl::StatusOr<ClientPtr> NewClient() override {
    if (!requests_ || requests_->empty()) {
      return absl::FailedPreconditionError("no prepared requests");
    }
    if (o_.streaming) return ClientPtr(std::make_unique<StreamClient>(o_.target, requests_));
    return ClientPtr(std::make_unique<UnaryClient>(o_.target, requests_));
  }

 private:
  GrpcOptions o_;
  std::unique_ptr<Stub> stub_;
  Requests requests_;
};

}  // namespace

absl::StatusOr<BackendPtr> MakeGrpcBackend(const GrpcOptions& options) {
  return BackendPtr(std::make_unique<GrpcBackend>(options));
}

}  // namespace tensord::bench

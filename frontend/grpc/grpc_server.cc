#include "frontend/grpc/grpc_server.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "frontend/grpc/call.h"
#include "frontend/grpc/handlers.h"
#include "frontend/grpc/infer_call.h"
#include "frontend/grpc/repository_call.h"
#include "frontend/grpc/stream_infer_call.h"
#include "frontend/grpc/unary_call.h"
#include "frontend/grpc/unknown_method_call.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace tensord::grpc {
namespace {

thread_local const ::grpc::ServerCompletionQueue* t_served_queue = nullptr;

using namespace inference;  // NOLINT: the generated message names, used only below

// Posts one waiting call of every method on `env.cq`; each call re-arms itself.
void SpawnCalls(const CallEnv& env) {
  UnaryCall<ServerLiveRequest, ServerLiveResponse>::Spawn(env, &Service::RequestServerLive,
                                                          &HandleServerLive, auth::Action::kHealth);
  UnaryCall<ServerReadyRequest, ServerReadyResponse>::Spawn(
      env, &Service::RequestServerReady, &HandleServerReady, auth::Action::kHealth);
  UnaryCall<ModelReadyRequest, ModelReadyResponse>::Spawn(
      env, &Service::RequestModelReady, &HandleModelReady, auth::Action::kMetadata);
  UnaryCall<ServerMetadataRequest, ServerMetadataResponse>::Spawn(
      env, &Service::RequestServerMetadata, &HandleServerMetadata, auth::Action::kMetadata);
  UnaryCall<ModelMetadataRequest, ModelMetadataResponse>::Spawn(
      env, &Service::RequestModelMetadata, &HandleModelMetadata, auth::Action::kMetadata);
  UnaryCall<ModelConfigRequest, ModelConfigResponse>::Spawn(
      env, &Service::RequestModelConfig, &HandleModelConfig, auth::Action::kMetadata);
  UnaryCall<ModelStatisticsRequest, ModelStatisticsResponse>::Spawn(
      env, &Service::RequestModelStatistics, &HandleModelStatistics, auth::Action::kStatistics);
  UnaryCall<RepositoryIndexRequest, RepositoryIndexResponse>::Spawn(
      env, &Service::RequestRepositoryIndex, &HandleRepositoryIndex,
      auth::Action::kRepositoryIndex);
  RepositoryCall<RepositoryModelLoadRequest, RepositoryModelLoadResponse>::Spawn(
      env, &Service::RequestRepositoryModelLoad, &StartRepositoryModelLoad);
  RepositoryCall<RepositoryModelUnloadRequest, RepositoryModelUnloadResponse>::Spawn(
      env, &Service::RequestRepositoryModelUnload, &StartRepositoryModelUnload);
  UnaryCall<SystemSharedMemoryStatusRequest, SystemSharedMemoryStatusResponse>::Spawn(
      env, &Service::RequestSystemSharedMemoryStatus, &HandleSystemSharedMemoryStatus,
      auth::Action::kSharedMemory);
  UnaryCall<SystemSharedMemoryRegisterRequest, SystemSharedMemoryRegisterResponse>::Spawn(
      env, &Service::RequestSystemSharedMemoryRegister, &HandleSystemSharedMemoryRegister,
      auth::Action::kSharedMemory);
  UnaryCall<SystemSharedMemoryUnregisterRequest, SystemSharedMemoryUnregisterResponse>::Spawn(
      env, &Service::RequestSystemSharedMemoryUnregister, &HandleSystemSharedMemoryUnregister,
      auth::Action::kSharedMemory);
  UnaryCall<CudaSharedMemoryStatusRequest, CudaSharedMemoryStatusResponse>::Spawn(
      env, &Service::RequestCudaSharedMemoryStatus, &HandleCudaSharedMemory,
      auth::Action::kSharedMemory);
  UnaryCall<CudaSharedMemoryRegisterRequest, CudaSharedMemoryRegisterResponse>::Spawn(
      env, &Service::RequestCudaSharedMemoryRegister, &HandleCudaSharedMemory,
      auth::Action::kSharedMemory);
  UnaryCall<CudaSharedMemoryUnregisterRequest, CudaSharedMemoryUnregisterResponse>::Spawn(
      env, &Service::RequestCudaSharedMemoryUnregister, &HandleCudaSharedMemory,
      auth::Action::kSharedMemory);
  UnaryCall<TraceSettingRequest, TraceSettingResponse>::Spawn(
      env, &Service::RequestTraceSetting, &HandleTraceSetting, auth::Action::kLogging);
  UnaryCall<LogSettingsRequest, LogSettingsResponse>::Spawn(
      env, &Service::RequestLogSettings, &HandleLogSettings, auth::Action::kLogging);
  InferCall::Spawn(env);
  StreamInferCall::Spawn(env);
}

std::string ListenAddress(const std::string& host, uint16_t port) {
  // An IPv6 literal needs brackets before the port.
  if (host.find(':') != std::string::npos && host.front() != '[') {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

// TLS through gRPC's own certificate provider, which re-reads the files every
// reload_interval_s and hands changed ones to new handshakes (rotation without a restart).
// gRPC negotiates TLS 1.2 or 1.3 with its own list of AEAD ciphers.
std::shared_ptr<::grpc::ServerCredentials> Credentials(const GrpcOptions& options) {
  if (!options.tls) return ::grpc::InsecureServerCredentials();
  const GrpcTlsOptions& tls = *options.tls;
  auto provider = std::make_shared<::grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.client_ca_file,
      static_cast<unsigned int>(std::max(1, tls.reload_interval_s)));
  ::grpc::experimental::TlsServerCredentialsOptions tls_options(provider);
  tls_options.watch_identity_key_cert_pairs();
  if (!tls.client_ca_file.empty()) {
    tls_options.watch_root_certs();
    tls_options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    tls_options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return ::grpc::experimental::TlsServerCredentials(tls_options);
}

class GrpcServerImpl final : public GrpcServer {
 public:
  explicit GrpcServerImpl(InferenceService& core) : core_(core) {}
  ~GrpcServerImpl() override { Stop(); }

  absl::Status Init(const GrpcOptions& options) {
    const int max_bytes = static_cast<int>(std::min<size_t>(options.max_message_bytes, INT_MAX));
    const std::string address = ListenAddress(options.host, options.port);
    const bool side_by_side = options.tls && options.tls_port;
    const std::string tls_address =
        side_by_side ? ListenAddress(options.host, *options.tls_port) : std::string();
    int selected_port = 0;
    int selected_tls_port = 0;
    ::grpc::ServerBuilder builder;
    if (side_by_side) {
      builder.AddListeningPort(address, ::grpc::InsecureServerCredentials(), &selected_port);
      builder.AddListeningPort(tls_address, Credentials(options), &selected_tls_port);
    } else {
      builder.AddListeningPort(address, Credentials(options), &selected_port);
    }
    builder.RegisterService(&service_);
    builder.RegisterAsyncGenericService(&unknown_methods_);
    builder.SetMaxReceiveMessageSize(max_bytes);
    builder.SetMaxSendMessageSize(max_bytes);
    // gRPC binds with SO_REUSEPORT by default, so a leftover server on the same port would
    // silently take half the connections; a busy port must be an error instead.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    if (options.max_concurrent_streams > 0) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
    }
    // Accept gzip (and deflate) compressed requests; gRPC decompresses before we parse.
    builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, true);
    builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, true);
    const int threads = std::max(1, options.cq_threads);
    for (int i = 0; i < threads; ++i) queues_.push_back(builder.AddCompletionQueue());
    grpc_server_ = builder.BuildAndStart();
    if (grpc_server_ == nullptr || selected_port == 0 || (side_by_side && selected_tls_port == 0)) {
      // gRPC does not say which port failed: name both when there are two.
      grpc_server_.reset();
      for (auto& queue : queues_) Drain(*queue);
      queues_.clear();
      return absl::UnavailableError(fmt::format(
          "cannot listen on {} for gRPC (port in use, or the address is not "
          "available on this host)",
          side_by_side ? fmt::format("{} (plain) or {} (TLS)", address, tls_address) : address));
    }
    port_ = static_cast<uint16_t>(selected_port);
    tls_port_ = static_cast<uint16_t>(selected_tls_port);
    shutdown_grace_ = options.shutdown_grace;
    for (auto& queue : queues_) {
      ::grpc::ServerCompletionQueue* cq = queue.get();
      const CallEnv env{.core = &core_,
                        .service = &service_,
                        .cq = cq,
                        .live = &live_,
                        .access_log = options.access_log,
                        .auth = options.auth,
                        .limits = options.request_limits};
      SpawnCalls(env);
      UnknownMethodCall::Spawn(env, &unknown_methods_);
      threads_.emplace_back([cq] { Serve(*cq); });
    }
    return absl::OkStatus();
  }

  uint16_t port() const override { return port_; }
  uint16_t tls_port() const override { return tls_port_; }

  void Stop() override {
    if (grpc_server_ == nullptr) return;
    // Stop taking calls; calls still running get a few seconds to answer, then are
    // cancelled (shutdown_grace). The queues keep being served meanwhile.
    grpc_server_->Shutdown(std::chrono::system_clock::now() + shutdown_grace_);
    // An inference may still be with a scheduler: its callback will touch the queue, so the
    // queues close only after every call object is gone.
    live_.WaitForZero();
    for (auto& queue : queues_) queue->Shutdown();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    queues_.clear();
    grpc_server_.reset();
  }

 private:
  static void Serve(::grpc::ServerCompletionQueue& cq) {
    MarkQueueThread(&cq);
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
  }
  static void Drain(::grpc::ServerCompletionQueue& cq) {
    cq.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) {
    }
  }

  InferenceService& core_;
  Service service_;
  ::grpc::AsyncGenericService unknown_methods_;
  LiveCalls live_;
  std::unique_ptr<::grpc::Server> grpc_server_;
  std::vector<std::unique_ptr<::grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::chrono::milliseconds shutdown_grace_{0};
};

}  // namespace

bool ServesQueue(const ::grpc::ServerCompletionQueue* cq) { return t_served_queue == cq; }
void MarkQueueThread(const ::grpc::ServerCompletionQueue* cq) { t_served_queue = cq; }

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(InferenceService& service,
                                                              GrpcOptions options) {
  auto impl = std::make_unique<GrpcServerImpl>(service);
  if (absl::Status status = impl->Init(options); !status.ok()) return status;
  return impl;
}

}  // namespace tensord::grpc

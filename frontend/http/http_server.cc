// HttpServer::Start: the REST frontend over a tensord::Server.
#include "frontend/http/http_server.h"

#include <utility>

#include "frontend/http/inference_service.h"
#include "frontend/http/rest_server.h"

namespace tensord::http {
namespace {

// Forwards to the Server; the only file of the frontend that sees the real core.
class ServerInferenceService final : public InferenceService {
 public:
  explicit ServerInferenceService(Server& server) : server_(server) {}

  bool IsLive() const override { return server_.IsLive(); }
  bool IsReady() const override { return server_.IsReady(); }
  ServerInfo Metadata() const override {
    ServerMetadata metadata = server_.Metadata();
    return {.name = std::move(metadata.name),
            .version = std::move(metadata.version),
            .extensions = std::move(metadata.extensions)};
  }
  absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                 std::string_view version) const override {
    return server_.GetModelMetadata(name, version);
  }
  absl::Status ModelReady(std::string_view name, std::string_view version) const override {
    return server_.ModelReady(name, version);
  }
  absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                             std::string_view version) const override {
    return server_.GetModelConfig(name, version);
  }
  void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) override {
    server_.InferAsync(std::move(request), std::move(done));
  }
  absl::StatusOr<std::vector<ModelStats>> GetModelStats(std::string_view name,
                                                        std::string_view version) const override {
    return server_.GetModelStats(name, version);
  }
  absl::StatusOr<std::vector<RepositoryEntry>> RepositoryIndex(bool ready_only) const override {
    std::vector<RepositoryEntry> rows;
    for (ModelVersionStatus& row : server_.RepositoryIndex(ready_only)) {
      rows.push_back({.name = std::move(row.name),
                      .version = std::move(row.version),
                      .state = std::string(ModelStateName(row.state)),
                      .reason = std::move(row.reason)});
    }
    return rows;
  }
  absl::Status LoadModel(std::string_view name, std::string_view config_json) override {
    return server_.LoadModel(name, {.config_json = std::string(config_json)});
  }
  absl::Status UnloadModel(std::string_view name) override { return server_.UnloadModel(name); }

 private:
  Server& server_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Server& server, HttpOptions options) {
  return StartRestServer(std::make_shared<ServerInferenceService>(server), std::move(options));
}

}  // namespace tensord::http

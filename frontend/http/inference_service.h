// What the REST frontend needs from the server. HttpServer::Start adapts a tensord::Server
// to it; tests use a fake, so routing, keep-alive, timeouts and limits are tested without
// models or runtimes.
//
//   class FakeService : public InferenceService { ... };
//   auto http = StartRestServer(std::make_shared<FakeService>(), {.port = 0});
//
// Implementations are thread-safe: every I/O thread calls them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/infer_request.h"
#include "core/model_config.h"
#include "core/model_stats.h"

namespace tensord::http {

// One row of the repository index, states spelled as Triton does ("READY").
struct RepositoryEntry {
  std::string name;
  std::string version;
  std::string state;
  std::string reason;
};

struct ServerInfo {
  std::string name;
  std::string version;
  std::vector<std::string> extensions;
};

class InferenceService {
 public:
  virtual ~InferenceService() = default;

  virtual bool IsLive() const = 0;
  virtual bool IsReady() const = 0;
  virtual ServerInfo Metadata() const = 0;
  // NotFound for an unknown model or version.
  virtual absl::StatusOr<ModelMetadata> GetModelMetadata(std::string_view name,
                                                         std::string_view version) const = 0;
  // OK when ready; NotFound when unknown; Unavailable with the reason when not ready.
  virtual absl::Status ModelReady(std::string_view name, std::string_view version) const = 0;
  virtual absl::StatusOr<ModelConfig> GetModelConfig(std::string_view name,
                                                     std::string_view version) const = 0;
  // Server::InferAsync's contract: `done` runs exactly once, possibly inline.
  virtual void InferAsync(std::unique_ptr<InferRequest>&& request, InferCallback&& done) = 0;

  // The statistics and model repository extensions (Server's contracts). The defaults
  // answer Unimplemented, for services that do not offer them.
  virtual absl::StatusOr<std::vector<ModelStats>> GetModelStats(
      std::string_view /*name*/, std::string_view /*version*/) const {
    return Unimplemented("statistics");
  }
  virtual absl::StatusOr<std::vector<RepositoryEntry>> RepositoryIndex(bool /*ready_only*/) const {
    return Unimplemented("model repository");
  }
  // Blocks until the load is over. `config_json`: the override, empty for none.
  virtual absl::Status LoadModel(std::string_view /*name*/, std::string_view /*config_json*/) {
    return Unimplemented("model repository");
  }
  virtual absl::Status UnloadModel(std::string_view /*name*/) {
    return Unimplemented("model repository");
  }

 private:
  static absl::Status Unimplemented(std::string_view extension) {
    return absl::UnimplementedError(std::string(extension) +
                                    " extension is not implemented by this server");
  }
};

}  // namespace tensord::http

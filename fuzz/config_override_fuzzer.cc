// Fuzzes a load request's configuration override: the REST body of
// POST /v2/repository/models/{m}/load (DecodeLoadRequest, frontend/http/repository_codec)
// and then ApplyConfigOverride (repository/config_override) over each fixed model's
// configuration with the options ModelRepository::Load passes (the instance limit, the
// planned platform, the registry's Canonical). The same bytes also go to
// ApplyConfigOverride directly, as the gRPC "config" string_param does.
//
//   build/fuzz/fuzz/config_override_fuzzer fuzz/corpus/config_override
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/inference_service.h"
#include "frontend/http/repository_codec.h"
#include "fuzz/fuzz_models.h"
#include "repository/config_override.h"
#include "spdlog/spdlog.h"

namespace {

void Override(std::string_view json) {
  using namespace tensord;
  for (const ModelConfig& model : fuzz::Models()) {
    const ConfigOverrideOptions options{.max_instances = fuzz::MaxInstances(),
                                        .planned_platforms = {model.platform},
                                        .canonical = fuzz::CanonicalPlatform};
    (void)ApplyConfigOverride(model, json, model.name, options);
  }
}

// DecodeLoadRequest's result: the override JSON, alone or in the load options (with the
// "file:" parameters' files).
[[maybe_unused]] std::string_view ConfigOf(const std::string& config) { return config; }
[[maybe_unused]] std::string_view ConfigOf(const tensord::ModelLoadOptions& load) {
  return load.config_json;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tensord::http::PaddedBuffer body(text);
  const auto load = tensord::http::DecodeLoadRequest(body);
  if (load.ok() && !ConfigOf(*load).empty()) Override(ConfigOf(*load));
  Override(text);  // the gRPC parameter: the override JSON itself
  return 0;
}

// Fuzzes MLServer's model-settings.json parser (repository/model_settings) as
// ScanModelFolder calls it on a model folder's file.
//
//   build/fuzz/fuzz/model_settings_fuzzer fuzz/corpus/model_settings
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "repository/model_settings.h"
#include "spdlog/spdlog.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tensord::ParseModelSettings(text, "models/fuzz/model-settings.json");
  return 0;
}

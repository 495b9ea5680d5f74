// Fuzzes Triton's config.pbtxt parser (repository/config_pbtxt) as ScanModelFolder calls it
// on a model folder's file, and the JSON form of the same configuration
// (ParseTritonConfigJson) on the same bytes.
//
//   build/fuzz/fuzz/config_pbtxt_fuzzer fuzz/corpus/config_pbtxt
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "repository/config_pbtxt.h"
#include "spdlog/spdlog.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Skipped fields are logged at debug level; warnings (reshape, KIND_GPU) would flood.
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tensord::ParseTritonConfig(text, "models/fuzz/config.pbtxt");
  (void)tensord::ParseTritonConfigJson(text, "config");
  return 0;
}

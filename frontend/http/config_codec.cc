#include "frontend/http/config_codec.h"

#include "frontend/config_export.h"

namespace tensord::http {

std::string EncodeModelConfig(const ModelConfig& config) { return ModelConfigToJson(config); }

}  // namespace tensord::http

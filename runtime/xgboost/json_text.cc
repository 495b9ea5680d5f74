#include "runtime/xgboost/json_text.h"

namespace tensord::runtime::xgboost {

std::string StrictJson(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (text.substr(i).starts_with("NaN")) {
      out += "null";
      i += 2;
      continue;
    } else if (text.substr(i).starts_with("Infinity")) {
      out += "1e308";
      i += 7;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace tensord::runtime::xgboost

// Python's json.dumps and XGBoost write NaN and Infinity, which strict JSON parsers
// (nlohmann) refuse.
//
//   nlohmann::json j = nlohmann::json::parse(StrictJson(text), nullptr, false);
//
// Outside strings, NaN becomes null and Infinity 1e308 (its sign kept): fine for the
// metadata and structure tensord reads, which never depend on those values.
#pragma once

#include <string>
#include <string_view>

namespace tensord::runtime::xgboost {

std::string StrictJson(std::string_view text);

}  // namespace tensord::runtime::xgboost

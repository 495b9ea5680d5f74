// A bounds-checked walk over XGBoost's legacy binary model format (model.bst), done before
// XGBoost reads the file. XGBoost 1.7 resizes its vectors to whatever sizes the file states
// before reading them, so one corrupt count makes it touch gigabytes and the kernel kills
// the server; and it trusts node indices. The walk follows XGBoost 1.7's layout (learner
// parameters 136 bytes, gbtree parameters 160, per tree 148 bytes of parameters then
// num_nodes x (20-byte node, 16-byte statistics), tree_info, attributes) and checks every
// count against the bytes left and every tree as model_integrity.h does.
//
//   absl::Status s = CheckBinaryModel(bytes, "models/m/model.bst");
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace tensord::runtime::xgboost {

absl::Status CheckBinaryModel(std::string_view bytes, std::string_view path);

}  // namespace tensord::runtime::xgboost

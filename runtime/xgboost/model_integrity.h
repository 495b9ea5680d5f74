// Checks a loaded model's trees before it predicts. XGBoost 1.7 trusts the node indices a
// model file holds: a corrupt but parseable file (a changed child index, a split on a
// feature the model does not have) loads fine and then reads out of bounds or loops forever
// in prediction. MLServer would crash the same way; tensord refuses such a model at load.
//
//   absl::Status s = CheckModelDocument(document, "models/m/model.ubj");  // before loading
//   absl::Status s = CheckModelIntegrity(booster, "models/m/model.bst");  // after (binary)
//   // InvalidArgument "cannot load XGBoost model '...': tree 3 node 7: left child 99 is
//   // outside the tree's 15 nodes"
//
// XGBoost's own loader also trusts tree ids and category lists (it crashed in the tests on
// damaged UBJSON files), so JSON and UBJSON documents are checked before XGBoost reads
// them; the legacy binary format loads safely and is checked through a JSON export after.
//
// Checked: tree ids are distinct and below num_trees, which matches the trees; every tree's
// arrays have num_nodes entries; children come after their parent
// (so walks end) and exist, as does left + 1, which prediction uses for the right branch;
// split features are below num_feature; categorical split ranges lie inside the category
// list; tree_info names existing output groups; gblinear weights have the expected size.
// DART weights match the trees. Costs one parse of the model (and for .bst one JSON export)
// at load time.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "runtime/xgboost/booster.h"

namespace tensord::runtime::xgboost {

absl::Status CheckModelDocument(const nlohmann::json& model, std::string_view path);
absl::Status CheckModelIntegrity(const Booster& booster, std::string_view path);

}  // namespace tensord::runtime::xgboost

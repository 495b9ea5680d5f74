#include "runtime/xgboost/model_integrity.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "runtime/xgboost/json_text.h"

namespace tensord::runtime::xgboost {
namespace {

using nlohmann::json;

// Model parameters are strings in XGBoost's JSON ("num_nodes": "15").
std::optional<int64_t> Param(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return std::nullopt;
  const std::string text = it->get<std::string>();
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

class Checker {
 public:
  explicit Checker(std::string_view path) : path_(path) {}

  absl::Status Corrupt(std::string_view what) const {
    return absl::InvalidArgumentError(
        fmt::format("cannot load XGBoost model '{}': the model is corrupt: {}", path_, what));
  }

  // An integer array of `size` entries (any size when `size` < 0).
  absl::StatusOr<std::vector<int64_t>> Ints(const json& object, const char* key, int64_t size,
                                            std::string_view where) const {
    auto it = object.find(key);
    if (it == object.end() || !it->is_array()) {
      return Corrupt(fmt::format("{}: no {} array", where, key));
    }
    if (size >= 0 && static_cast<int64_t>(it->size()) != size) {
      return Corrupt(
          fmt::format("{}: {} has {} entries instead of {}", where, key, it->size(), size));
    }
    std::vector<int64_t> values;
    values.reserve(it->size());
    for (const json& v : *it) {
      if (!v.is_number_integer())
        return Corrupt(fmt::format("{}: {} holds a non-integer", where, key));
      values.push_back(v.get<int64_t>());
    }
    return values;
  }

  absl::Status Tree(const json& tree, size_t index, int64_t num_feature) const {
    const std::string where = fmt::format("tree {}", index);
    if (!tree.is_object()) return Corrupt(fmt::format("{} is not an object", where));
    const json params = tree.value("tree_param", json::object());
    if (Param(params, "size_leaf_vector").value_or(0) > 1) {
      return Corrupt(fmt::format("{}: vector leaves are not supported", where));
    }
    const std::optional<int64_t> nodes = Param(params, "num_nodes");
    if (!nodes || *nodes < 1) return Corrupt(fmt::format("{}: num_nodes is missing or < 1", where));
    const int64_t n = *nodes;
    absl::StatusOr<std::vector<int64_t>> left = Ints(tree, "left_children", n, where);
    if (!left.ok()) return left.status();
    absl::StatusOr<std::vector<int64_t>> right = Ints(tree, "right_children", n, where);
    if (!right.ok()) return right.status();
    absl::StatusOr<std::vector<int64_t>> features = Ints(tree, "split_indices", n, where);
    if (!features.ok()) return features.status();
    absl::StatusOr<std::vector<int64_t>> parents = Ints(tree, "parents", n, where);
    if (!parents.ok()) return parents.status();
    for (int64_t i = 1; i < n; ++i) {  // the root's parent is -1 or INT32_MAX (none)
      if ((*parents)[i] < 0 || (*parents)[i] >= n) {
        return Corrupt(fmt::format("{} node {}: parent {} is not a node", where, i, (*parents)[i]));
      }
    }
    for (const char* key :
         {"split_conditions", "default_left", "base_weights", "loss_changes", "sum_hessian"}) {
      auto it = tree.find(key);
      if (it == tree.end() || !it->is_array() || static_cast<int64_t>(it->size()) != n) {
        return Corrupt(fmt::format("{}: {} does not have {} entries", where, key, n));
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t l = (*left)[i];
      const int64_t r = (*right)[i];
      if (l == -1) continue;  // a leaf
      if (l <= i || l + 1 >= n || r <= i || r >= n) {
        return Corrupt(
            fmt::format("{} node {}: children {} and {} are not later nodes of the "
                        "tree's {}",
                        where, i, l, r, n));
      }
      if ((*features)[i] < 0 || (*features)[i] >= num_feature) {
        return Corrupt(fmt::format("{} node {}: splits on feature {} of {}", where, i,
                                   (*features)[i], num_feature));
      }
    }
    return Categories(tree, where, n);
  }

  // The ids say where each tree goes in XGBoost's vector of num_trees trees.
  absl::Status TreeIds(const json& trees) const {
    std::vector<bool> seen(trees.size(), false);
    for (size_t t = 0; t < trees.size(); ++t) {
      const json& tree = trees[t];
      auto id = tree.is_object() ? tree.find("id") : tree.end();
      if (!tree.is_object() || id == tree.end() || !id->is_number_integer()) {
        return Corrupt(fmt::format("tree {} has no id", t));
      }
      const int64_t value = id->get<int64_t>();
      if (value < 0 || value >= static_cast<int64_t>(trees.size()) || seen[value]) {
        return Corrupt(
            fmt::format("tree {} has id {}, not a free slot of {}", t, value, trees.size()));
      }
      seen[value] = true;
    }
    return absl::OkStatus();
  }

  absl::Status Categories(const json& tree, const std::string& where, int64_t n) const {
    std::vector<int64_t> types(n, 0);
    if (tree.contains("split_type")) {
      absl::StatusOr<std::vector<int64_t>> read = Ints(tree, "split_type", n, where);
      if (!read.ok()) return read.status();
      types = *std::move(read);
    }
    if (!tree.contains("categories_nodes")) {
      for (int64_t t : types) {
        if (t != 0) return Corrupt(fmt::format("{}: categorical split without categories", where));
      }
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<int64_t>> nodes = Ints(tree, "categories_nodes", -1, where);
    if (!nodes.ok()) return nodes.status();
    const int64_t count = static_cast<int64_t>(nodes->size());
    absl::StatusOr<std::vector<int64_t>> segments = Ints(tree, "categories_segments", count, where);
    if (!segments.ok()) return segments.status();
    absl::StatusOr<std::vector<int64_t>> sizes = Ints(tree, "categories_sizes", count, where);
    if (!sizes.ok()) return sizes.status();
    absl::StatusOr<std::vector<int64_t>> categories = Ints(tree, "categories", -1, where);
    if (!categories.ok()) return categories.status();
    const int64_t total = static_cast<int64_t>(categories->size());
    for (int64_t k = 0; k < count; ++k) {
      if ((*nodes)[k] < 0 || (*nodes)[k] >= n || (*segments)[k] < 0 || (*sizes)[k] < 0 ||
          (*segments)[k] > total || (*sizes)[k] > total - (*segments)[k]) {
        return Corrupt(
            fmt::format("{}: categorical split {} points outside the category list", where, k));
      }
    }
    return absl::OkStatus();
  }

  absl::Status GbTree(const json& model, int64_t num_feature, int64_t groups) const {
    auto trees = model.find("trees");
    if (trees == model.end() || !trees->is_array()) return Corrupt("no trees");
    absl::StatusOr<std::vector<int64_t>> info =
        Ints(model, "tree_info", static_cast<int64_t>(trees->size()), "tree_info");
    if (!info.ok()) return info.status();
    for (size_t t = 0; t < info->size(); ++t) {
      if ((*info)[t] < 0 || (*info)[t] >= groups) {
        return Corrupt(
            fmt::format("tree {} belongs to output group {} of {}", t, (*info)[t], groups));
      }
    }
    const std::optional<int64_t> declared =
        Param(model.value("gbtree_model_param", json::object()), "num_trees");
    if (!declared || *declared != static_cast<int64_t>(trees->size())) {
      return Corrupt(fmt::format("num_trees does not match the {} trees", trees->size()));
    }
    if (const std::optional<int64_t> parallel =
            Param(model.value("gbtree_model_param", json::object()), "num_parallel_tree");
        parallel && *parallel < 1) {
      return Corrupt("num_parallel_tree is below 1");
    }
    if (absl::Status s = TreeIds(*trees); !s.ok()) return s;
    for (size_t t = 0; t < trees->size(); ++t) {
      if (absl::Status s = Tree((*trees)[t], t, num_feature); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  std::string_view path_;
};

}  // namespace

absl::Status CheckModelDocument(const json& model, std::string_view path) {
  const Checker checker(path);
  if (!model.is_object() || !model.contains("learner") || !model["learner"].is_object()) {
    return checker.Corrupt("no learner");
  }
  const json& learner = model["learner"];
  const json params = learner.value("learner_model_param", json::object());
  const std::optional<int64_t> num_feature = Param(params, "num_feature");
  if (!num_feature || *num_feature < 0) return checker.Corrupt("num_feature is missing");
  const int64_t groups = std::max<int64_t>(
      {Param(params, "num_class").value_or(0), Param(params, "num_target").value_or(1), 1});
  const json booster = learner.value("gradient_booster", json::object());
  const std::string name = booster.is_object() ? booster.value("name", "") : "";
  if (name == "gbtree") {
    return checker.GbTree(booster.value("model", json::object()), *num_feature, groups);
  }
  if (name == "dart") {
    const json model_json = booster.value("gbtree", json::object()).value("model", json::object());
    if (absl::Status s = checker.GbTree(model_json, *num_feature, groups); !s.ok()) return s;
    auto weights = booster.find("weight_drop");
    const size_t trees = model_json.value("trees", json::array()).size();
    if (weights == booster.end() || !weights->is_array() || weights->size() != trees) {
      return checker.Corrupt(fmt::format("dart needs {} weight_drop entries", trees));
    }
    return absl::OkStatus();
  }
  if (name == "gblinear") {
    const json linear = booster.value("model", json::object());
    auto weights = linear.find("weights");
    const int64_t expected = (*num_feature + 1) * groups;
    if (weights == linear.end() || !weights->is_array() ||
        static_cast<int64_t>(weights->size()) != expected) {
      return checker.Corrupt(fmt::format("gblinear needs {} weights", expected));
    }
    return absl::OkStatus();
  }
  return checker.Corrupt(fmt::format("unknown booster '{}'", name));
}

absl::Status CheckModelIntegrity(const Booster& booster, std::string_view path) {
  absl::StatusOr<std::string> text = booster.SaveJson();
  if (!text.ok()) return text.status();
  const json model = json::parse(StrictJson(*text), nullptr, /*allow_exceptions=*/false);
  if (model.is_discarded()) {
    return Checker(path).Corrupt("XGBoost's own JSON export of it does not parse");
  }
  return CheckModelDocument(model, path);
}

}  // namespace tensord::runtime::xgboost

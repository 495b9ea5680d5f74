#include "runtime/xgboost/binary_model_check.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "fmt/format.h"

namespace tensord::runtime::xgboost {
namespace {

constexpr size_t kLearnerParamBytes = 136;
constexpr size_t kGbtreeParamBytes = 160;
constexpr size_t kTreeParamBytes = 148;
constexpr size_t kNodeBytes = 20;
constexpr size_t kNodeStatBytes = 16;

class BinaryWalker {
 public:
  explicit BinaryWalker(std::string_view bytes) : bytes_(bytes) {}

  // Empty when the file is sound; otherwise what is wrong.
  std::string Check() {
    if (bytes_.substr(0, 4) == "binf") pos_ = 4;
    std::string_view learner;
    if (!Take(kLearnerParamBytes, "the learner parameters", learner)) return problem_;
    num_feature_ = Read<uint32_t>(learner, 4);
    const int32_t num_class = Read<int32_t>(learner, 8);
    const int32_t extra_attributes = Read<int32_t>(learner, 12);
    const int32_t eval_metrics = Read<int32_t>(learner, 16);
    const uint32_t num_target = Read<uint32_t>(learner, 28);
    if (num_class < 0 || num_feature_ > 0x7fffffffu || num_target > 0x7fffffffu) {
      return fmt::format("invalid learner parameters (num_class {}, num_feature {}, num_target {})",
                         num_class, num_feature_, num_target);
    }
    groups_ = std::max<int64_t>({num_class, static_cast<int64_t>(num_target), 1});
    std::string objective;
    std::string booster;
    if (!String("the objective", &objective) || !String("the booster name", &booster)) {
      return problem_;
    }
    if (booster == "gbtree" || booster == "dart") {
      if (!Trees(booster == "dart")) return problem_;
    } else if (booster == "gblinear") {
      return "legacy binary gblinear models are not supported (save the model as JSON)";
    } else {
      return fmt::format("unknown booster '{}'", booster);
    }
    if (extra_attributes != 0 && !StringList("the attributes", /*pairs=*/true)) return problem_;
    if (objective == "count:poisson" && !String("max_delta_step", nullptr)) return problem_;
    if (eval_metrics != 0 && !StringList("the evaluation metrics", /*pairs=*/false)) {
      return problem_;
    }
    return {};
  }

 private:
  template <typename T>
  static T Read(std::string_view bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
  }

  bool Fail(std::string what) {
    problem_ = fmt::format("{} at byte {}", what, pos_);
    return false;
  }
  bool Take(uint64_t count, std::string_view what, std::string_view& out) {
    if (count > bytes_.size() - pos_) {
      return Fail(fmt::format("{} need {} bytes but the file ends after {}", what, count,
                              bytes_.size() - pos_));
    }
    out = bytes_.substr(pos_, count);
    pos_ += count;
    return true;
  }
  bool Count(std::string_view what, uint64_t& count) {
    std::string_view raw;
    if (!Take(8, what, raw)) return false;
    count = Read<uint64_t>(raw, 0);
    return true;
  }
  bool String(std::string_view what, std::string* out) {
    uint64_t size = 0;
    std::string_view text;
    if (!Count(what, size) || !Take(size, what, text)) return false;
    if (out != nullptr) *out = std::string(text);
    return true;
  }
  bool StringList(std::string_view what, bool pairs) {
    uint64_t count = 0;
    if (!Count(what, count)) return false;
    if (count > (bytes_.size() - pos_) / 8) return Fail(fmt::format("{}: count {}", what, count));
    for (uint64_t i = 0; i < count * (pairs ? 2 : 1); ++i) {
      if (!String(what, nullptr)) return false;
    }
    return true;
  }

  bool Trees(bool dart) {
    std::string_view param;
    if (!Take(kGbtreeParamBytes, "the gbtree parameters", param)) return false;
    const int32_t num_trees = Read<int32_t>(param, 0);
    if (num_trees < 0) return Fail(fmt::format("num_trees is {}", num_trees));
    if (const int32_t leaf = Read<int32_t>(param, 28); leaf < 0 || leaf > 1) {
      return Fail(fmt::format("size_leaf_vector is {}", leaf));
    }
    for (int32_t t = 0; t < num_trees; ++t) {
      if (!Tree(t)) return false;
    }
    std::string_view info;
    if (!Take(uint64_t{4} * num_trees, "tree_info", info)) return false;
    for (int32_t t = 0; t < num_trees; ++t) {
      const int32_t group = Read<int32_t>(info, 4 * t);
      if (group < 0 || group >= groups_) {
        return Fail(fmt::format("tree {} belongs to output group {} of {}", t, group, groups_));
      }
    }
    if (dart && num_trees != 0) {
      uint64_t weights = 0;
      std::string_view data;
      if (!Count("weight_drop", weights)) return false;
      if (weights != static_cast<uint64_t>(num_trees)) {
        return Fail(fmt::format("weight_drop has {} entries for {} trees", weights, num_trees));
      }
      if (!Take(4 * weights, "weight_drop", data)) return false;
    }
    return true;
  }

  bool Tree(int32_t index) {
    std::string_view param;
    if (!Take(kTreeParamBytes, "tree parameters", param)) return false;
    const int32_t n = Read<int32_t>(param, 4);
    if (n < 1) return Fail(fmt::format("tree {} has {} nodes", index, n));
    // Parameters XGBoost validates only when the model is copied (deleted nodes, leaf size).
    const int32_t deleted = Read<int32_t>(param, 8);
    const int32_t leaf = Read<int32_t>(param, 20);
    if (deleted < 0 || deleted >= n || leaf < 0 || leaf > 1 || Read<int32_t>(param, 16) < 0 ||
        Read<int32_t>(param, 12) < 0) {
      return Fail(fmt::format("tree {} has invalid parameters", index));
    }
    std::string_view nodes;
    std::string_view stats;
    if (!Take(uint64_t{kNodeBytes} * n, "tree nodes", nodes) ||
        !Take(uint64_t{kNodeStatBytes} * n, "tree statistics", stats)) {
      return false;
    }
    for (int32_t i = 0; i < n; ++i) {
      const std::string_view node = nodes.substr(i * kNodeBytes, kNodeBytes);
      const int32_t parent = Read<int32_t>(node, 0) & 0x7fffffff;  // top bit: is left child
      const int32_t left = Read<int32_t>(node, 4);
      const int32_t right = Read<int32_t>(node, 8);
      const uint32_t split = Read<uint32_t>(node, 12);
      if (split == 0xffffffffu) continue;  // a deleted node, never reached
      if (i > 0 && parent >= n) {
        return Fail(fmt::format("tree {} node {}: parent {} is not a node", index, i, parent));
      }
      if (left == -1) continue;  // a leaf
      if (left <= i || left + 1 >= n || right <= i || right >= n) {
        return Fail(fmt::format("tree {} node {}: children {} and {} are not later nodes of {}",
                                index, i, left, right, n));
      }
      const uint32_t feature = split & 0x7fffffffu;  // top bit: default left
      if (feature >= num_feature_) {
        return Fail(fmt::format("tree {} node {}: splits on feature {} of {}", index, i, feature,
                                num_feature_));
      }
    }
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  uint32_t num_feature_ = 0;
  int64_t groups_ = 1;
  std::string problem_;
};

}  // namespace

absl::Status CheckBinaryModel(std::string_view bytes, std::string_view path) {
  const std::string problem = BinaryWalker(bytes).Check();
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("cannot load XGBoost model '{}': the file is corrupt: {}", path, problem));
}

}  // namespace tensord::runtime::xgboost

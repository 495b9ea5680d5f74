#include "serving/pipeline/pipeline_spec.h"

#include <set>
#include <utility>

#include "fmt/format.h"
#include "yaml-cpp/yaml.h"

namespace tensord {
namespace {

// Errors inside the parser carry their own file:line; yaml-cpp's exceptions stop here.
struct Context {
  std::string_view file;
  absl::Status Error(const YAML::Node& node, std::string_view field,
                     std::string_view problem) const {
    return absl::InvalidArgumentError(
        fmt::format("{}:{}: {}: {}", file, node.Mark().line + 1, field, problem));
  }
};

std::string KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    default:
      return "empty";
  }
}

absl::Status CheckKeys(const Context& ctx, const YAML::Node& map, std::string_view field,
                       const std::set<std::string_view>& known) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!known.contains(key)) {
      std::string names;
      for (std::string_view name : known)
        names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
      return ctx.Error(it->first, field, fmt::format("unknown field '{}' (known: {})", key, names));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> String(const Context& ctx, const YAML::Node& node,
                                   std::string_view field) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    return ctx.Error(node, field, fmt::format("must be a non-empty string, not {}", KindOf(node)));
  }
  return node.Scalar();
}

absl::StatusOr<uint32_t> Unsigned(const Context& ctx, const YAML::Node& node,
                                  std::string_view field) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    uint64_t value = 0;
    bool digits = !text.empty() && text.size() <= 10;
    for (char c : text) {
      if (c < '0' || c > '9') digits = false;
      if (digits) value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (digits && value <= UINT32_MAX) return static_cast<uint32_t>(value);
  }
  return ctx.Error(node, field, fmt::format("must be a whole number >= 0, not {}", KindOf(node)));
}

absl::StatusOr<JoinType> Join(const Context& ctx, const YAML::Node& node, std::string_view field) {
  if (node.IsScalar()) {
    if (node.Scalar() == "inner") return JoinType::kInner;
    if (node.Scalar() == "outer") return JoinType::kOuter;
    if (node.Scalar() == "any") return JoinType::kAny;
  }
  return ctx.Error(node, field, fmt::format("must be inner, outer or any, not {}", KindOf(node)));
}

absl::StatusOr<std::vector<TensorRef>> Refs(const Context& ctx, const YAML::Node& node,
                                            std::string_view field) {
  if (!node.IsSequence()) {
    return ctx.Error(node, field, fmt::format("must be a list, not {}", KindOf(node)));
  }
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item = fmt::format("{}[{}]", field, i);
    absl::StatusOr<std::string> text = String(ctx, node[i], item);
    if (!text.ok()) return text.status();
    absl::StatusOr<TensorRef> ref = ParseTensorRef(*text, item, ctx.file, node[i].Mark().line + 1);
    if (!ref.ok()) return ref.status();
    refs.push_back(*std::move(ref));
  }
  return refs;
}

absl::StatusOr<std::map<std::string, std::string>> TensorMap(const Context& ctx,
                                                             const YAML::Node& node,
                                                             std::string_view field) {
  if (!node.IsMap()) {
    return ctx.Error(node, field, fmt::format("must be a mapping, not {}", KindOf(node)));
  }
  std::map<std::string, std::string> map;
  for (auto it = node.begin(); it != node.end(); ++it) {
    absl::StatusOr<std::string> key = String(ctx, it->first, field);
    if (!key.ok()) return key.status();
    const std::string entry = fmt::format("{}['{}']", field, *key);
    absl::StatusOr<TensorRef> ref =
        ParseTensorRef(*key, entry, ctx.file, it->first.Mark().line + 1);
    if (!ref.ok()) return ref.status();
    if (ref->tensor.empty()) {
      return ctx.Error(it->first, entry,
                       "a tensorMap key names one tensor: '<step>.outputs.<tensor>' or "
                       "'<pipeline>.inputs.<tensor>'");
    }
    absl::StatusOr<std::string> value = String(ctx, it->second, entry);
    if (!value.ok()) return value.status();
    map[ref->Qualified(ref->tensor)] = *value;
  }
  return map;
}

absl::StatusOr<PipelineStepSpec> Step(const Context& ctx, const YAML::Node& node,
                                      std::string_view field) {
  if (!node.IsMap()) {
    return ctx.Error(node, field, fmt::format("must be a mapping, not {}", KindOf(node)));
  }
  if (absl::Status keys = CheckKeys(ctx, node, field,
                                    {"name", "inputs", "joinWindowMs", "tensorMap", "triggers",
                                     "inputsJoinType", "triggersJoinType", "batch"});
      !keys.ok()) {
    return keys;
  }
  PipelineStepSpec step;
  step.line = node.Mark().line + 1;
  if (!node["name"]) return ctx.Error(node, field, "has no 'name' (the model it runs)");
  absl::StatusOr<std::string> name = String(ctx, node["name"], fmt::format("{}.name", field));
  if (!name.ok()) return name.status();
  step.name = *name;
  const std::string label = fmt::format("{} ('{}')", field, step.name);
  if (node["inputs"]) {
    absl::StatusOr<std::vector<TensorRef>> inputs =
        Refs(ctx, node["inputs"], fmt::format("{}.inputs", label));
    if (!inputs.ok()) return inputs.status();
    step.inputs = *std::move(inputs);
  }
  if (node["triggers"]) {
    absl::StatusOr<std::vector<TensorRef>> triggers =
        Refs(ctx, node["triggers"], fmt::format("{}.triggers", label));
    if (!triggers.ok()) return triggers.status();
    step.triggers = *std::move(triggers);
  }
  if (node["tensorMap"]) {
    absl::StatusOr<std::map<std::string, std::string>> map =
        TensorMap(ctx, node["tensorMap"], fmt::format("{}.tensorMap", label));
    if (!map.ok()) return map.status();
    step.tensor_map = *std::move(map);
  }
  for (auto [key, target] : {std::pair{"inputsJoinType", &step.inputs_join},
                             std::pair{"triggersJoinType", &step.triggers_join}}) {
    if (!node[key]) continue;
    absl::StatusOr<JoinType> join = Join(ctx, node[key], fmt::format("{}.{}", label, key));
    if (!join.ok()) return join.status();
    *target = *join;
  }
  if (node["joinWindowMs"]) {
    absl::StatusOr<uint32_t> ms = Unsigned(ctx, node["joinWindowMs"], label + ".joinWindowMs");
    if (!ms.ok()) return ms.status();
    step.join_window_ms = *ms;
  }
  if (const YAML::Node batch = node["batch"]; batch) {
    const std::string batch_field = label + ".batch";
    if (!batch.IsMap()) {
      return ctx.Error(batch, batch_field, fmt::format("must be a mapping, not {}", KindOf(batch)));
    }
    if (absl::Status keys = CheckKeys(ctx, batch, batch_field, {"size", "windowMs", "rolling"});
        !keys.ok()) {
      return keys;
    }
    if (batch["size"]) {
      absl::StatusOr<uint32_t> size = Unsigned(ctx, batch["size"], batch_field + ".size");
      if (!size.ok()) return size.status();
      if (*size == 0) return ctx.Error(batch["size"], batch_field + ".size", "must be at least 1");
      step.batch_size = *size;
    }
    if (batch["windowMs"]) {
      absl::StatusOr<uint32_t> ms = Unsigned(ctx, batch["windowMs"], batch_field + ".windowMs");
      if (!ms.ok()) return ms.status();
      step.batch_window_ms = *ms;
    }
  }
  return step;
}

absl::StatusOr<PipelineOutputSpec> Output(const Context& ctx, const YAML::Node& node) {
  if (!node.IsMap()) {
    return ctx.Error(node, "spec.output", fmt::format("must be a mapping, not {}", KindOf(node)));
  }
  if (absl::Status keys =
          CheckKeys(ctx, node, "spec.output", {"steps", "tensorMap", "stepsJoin", "joinWindowMs"});
      !keys.ok()) {
    return keys;
  }
  PipelineOutputSpec output;
  output.line = node.Mark().line + 1;
  if (!node["steps"]) return ctx.Error(node, "spec.output", "has no 'steps'");
  absl::StatusOr<std::vector<TensorRef>> steps = Refs(ctx, node["steps"], "spec.output.steps");
  if (!steps.ok()) return steps.status();
  if (steps->empty()) return ctx.Error(node["steps"], "spec.output.steps", "is empty");
  output.steps = *std::move(steps);
  if (node["tensorMap"]) {
    absl::StatusOr<std::map<std::string, std::string>> map =
        TensorMap(ctx, node["tensorMap"], "spec.output.tensorMap");
    if (!map.ok()) return map.status();
    output.tensor_map = *std::move(map);
  }
  if (node["stepsJoin"]) {
    absl::StatusOr<JoinType> join = Join(ctx, node["stepsJoin"], "spec.output.stepsJoin");
    if (!join.ok()) return join.status();
    output.steps_join = *join;
  }
  if (node["joinWindowMs"]) {
    absl::StatusOr<uint32_t> ms = Unsigned(ctx, node["joinWindowMs"], "spec.output.joinWindowMs");
    if (!ms.ok()) return ms.status();
  }
  return output;
}

absl::StatusOr<PipelineSpec> Parse(const Context& ctx, const YAML::Node& root) {
  if (!root.IsMap()) {
    return ctx.Error(root, "the document", fmt::format("must be a mapping, not {}", KindOf(root)));
  }
  if (absl::Status keys = CheckKeys(ctx, root, "the document",
                                    {"apiVersion", "kind", "metadata", "spec", "status"});
      !keys.ok()) {
    return keys;
  }
  for (auto [key, wanted] :
       {std::pair<const char*, std::string_view>{"apiVersion", kPipelineApiVersion},
        std::pair<const char*, std::string_view>{"kind", "Pipeline"}}) {
    if (!root[key]) return ctx.Error(root, key, fmt::format("is missing (must be {})", wanted));
    if (!root[key].IsScalar() || root[key].Scalar() != wanted) {
      return ctx.Error(root[key], key,
                       fmt::format("must be {}, not {}", wanted, KindOf(root[key])));
    }
  }
  PipelineSpec spec;
  spec.file = std::string(ctx.file);
  const YAML::Node metadata = root["metadata"];
  if (!metadata || !metadata.IsMap() || !metadata["name"]) {
    return ctx.Error(metadata ? metadata : root, "metadata.name", "is missing");
  }
  absl::StatusOr<std::string> name = String(ctx, metadata["name"], "metadata.name");
  if (!name.ok()) return name.status();
  spec.name = *name;
  const YAML::Node body = root["spec"];
  if (!body || !body.IsMap()) {
    return ctx.Error(body ? body : root, "spec", "is missing or not a mapping");
  }
  if (absl::Status keys = CheckKeys(ctx, body, "spec", {"steps", "output"}); !keys.ok())
    return keys;
  const YAML::Node steps = body["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0) {
    return ctx.Error(steps ? steps : body, "spec.steps", "must be a non-empty list of steps");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < steps.size(); ++i) {
    absl::StatusOr<PipelineStepSpec> step = Step(ctx, steps[i], fmt::format("spec.steps[{}]", i));
    if (!step.ok()) return step.status();
    if (!names.insert(step->name).second) {
      return ctx.Error(steps[i], fmt::format("spec.steps[{}].name", i),
                       fmt::format("step '{}' appears twice", step->name));
    }
    spec.steps.push_back(*std::move(step));
  }
  if (body["output"]) {
    absl::StatusOr<PipelineOutputSpec> output = Output(ctx, body["output"]);
    if (!output.ok()) return output.status();
    spec.output = *std::move(output);
  }
  return spec;
}

}  // namespace

std::string_view JoinTypeName(JoinType type) {
  switch (type) {
    case JoinType::kInner:
      return "inner";
    case JoinType::kOuter:
      return "outer";
    case JoinType::kAny:
      return "any";
  }
  return "inner";
}

std::string TensorRef::Qualified(std::string_view tensor_name) const {
  return fmt::format("{}.{}.{}", step, inputs ? "inputs" : "outputs", tensor_name);
}

absl::StatusOr<TensorRef> ParseTensorRef(std::string_view text, std::string_view field,
                                         std::string_view file, int line) {
  TensorRef ref{.text = std::string(text), .line = line};
  // The step is what comes before the first ".inputs" or ".outputs" that ends the text or is
  // followed by a '.': model and pipeline names may hold dots (Kubernetes names do), and
  // tensor names too ("m.v2.outputs.out.0" is step "m.v2", tensor "out.0").
  size_t kind_at = std::string_view::npos;
  std::string_view kind;
  for (size_t dot = text.find('.'); dot != std::string_view::npos && kind.empty();
       dot = text.find('.', dot + 1)) {
    const std::string_view after = text.substr(dot + 1);
    for (std::string_view candidate : {std::string_view("inputs"), std::string_view("outputs")}) {
      if (after.starts_with(candidate) &&
          (after.size() == candidate.size() || after[candidate.size()] == '.')) {
        kind_at = dot;
        kind = candidate;
        break;
      }
    }
  }
  ref.step = std::string(text.substr(0, kind_at));
  bool ok = !ref.step.empty() && ref.step.back() != '.';
  if (ok && !kind.empty()) {
    ref.inputs = kind == "inputs";
    const size_t kind_end = kind_at + 1 + kind.size();
    if (kind_end < text.size()) {
      ref.tensor = std::string(text.substr(kind_end + 1));
      ok = !ref.tensor.empty();
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(fmt::format(
        "{}:{}: {}: '{}' is not a reference: use '<step>', '<step>.outputs[.<tensor>]', "
        "'<step>.inputs[.<tensor>]' or '<pipeline>.inputs[.<tensor>]'",
        file, line, field, text));
  }
  return ref;
}

absl::StatusOr<PipelineSpec> ParsePipelineSpec(std::string_view text, std::string_view file) {
  const Context ctx{.file = file};
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    return Parse(ctx, root);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's lines count from 0; its message already ends with the problem.
    return absl::InvalidArgumentError(
        fmt::format("{}:{}: malformed YAML: {}", file, e.mark.line + 1, e.msg));
  }
}

}  // namespace tensord

#include "serving/pipeline/pipeline_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/datatype.h"
#include "core/shape.h"
#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord {
namespace {

const TensorConfig* Find(const std::vector<TensorConfig>& tensors, std::string_view name) {
  for (const TensorConfig& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string Names(const std::vector<TensorConfig>& tensors) {
  std::string names;
  for (const TensorConfig& t : tensors) names += (names.empty() ? "" : ", ") + t.name;
  return names.empty() ? "none" : names;
}

std::string Renamed(const std::map<std::string, std::string>& tensor_map, const TensorRef& ref,
                    std::string_view tensor) {
  auto found = tensor_map.find(ref.Qualified(tensor));
  return found == tensor_map.end() ? std::string(tensor) : found->second;
}

// A model whose inputs (outputs) are known only at run time: it declares none and takes
// (makes) whatever its code does.
bool OpenInputs(const ModelConfig& model) { return model.any_inputs && model.inputs.empty(); }
bool OpenOutputs(const ModelConfig& model) { return model.any_outputs && model.outputs.empty(); }

// The tensorMap entries that rename tensors of `ref`'s source, by the source's name.
std::map<std::string, std::string> RenamesOf(const std::map<std::string, std::string>& tensor_map,
                                             const TensorRef& ref) {
  const std::string prefix = ref.Qualified("");
  std::map<std::string, std::string> renames;
  for (const auto& [key, to] : tensor_map) {
    if (key.size() > prefix.size() && key.starts_with(prefix)) {
      renames.emplace(key.substr(prefix.size()), to);
    }
  }
  return renames;
}

class Planner {
 public:
  Planner(const PipelineSpec& spec, const PipelineModelLookup& lookup)
      : spec_(spec), lookup_(lookup) {}

  absl::StatusOr<PipelinePlan> Plan(std::string_view served_name) {
    for (size_t s = 0; s < spec_.steps.size(); ++s) index_[spec_.steps[s].name] = s;
    for (const PipelineStepSpec& step : spec_.steps) {
      absl::StatusOr<ModelConfig> model = lookup_(step.name);
      if (!model.ok()) return Annotate(model.status(), At(step.line, step.name));
      models_.push_back(*std::move(model));
    }
    PipelinePlan plan;
    plan.name = spec_.name;
    for (size_t s = 0; s < spec_.steps.size(); ++s) {
      absl::StatusOr<PlannedStep> step = PlanStep(s);
      if (!step.ok()) return step.status();
      plan.steps.push_back(*std::move(step));
    }
    if (absl::Status acyclic = CheckAcyclic(plan); !acyclic.ok()) return acyclic;
    if (!spec_.output) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: spec.output is missing: name the steps whose outputs the pipeline answers with",
          spec_.file));
    }
    if (absl::Status outputs = PlanOutputs(plan); !outputs.ok()) return outputs;
    plan.config.name = std::string(served_name);
    plan.config.platform = std::string(kPipelinePlatform);
    plan.config.source = spec_.file;
    plan.config.composite_steps = static_cast<int>(plan.steps.size());
    if (open_inputs_) {
      plan.config.any_inputs = true;  // the steps check what they are given
    } else {
      for (auto& [name, input] : inputs_) plan.config.inputs.push_back(std::move(input));
    }
    if (open_outputs_) {
      plan.config.any_outputs = true;  // whatever the output steps make
      plan.config.outputs.clear();
    }
    return plan;
  }

 private:
  std::string At(int line, std::string_view step) const {
    return fmt::format("{}:{}: step '{}'", spec_.file, line, step);
  }

  // Resolves the producer of `ref`, and for data references what tensors it brings to
  // `consumer` (a step's index, or kFromPipeline for the pipeline's output).
  absl::StatusOr<PlannedRef> Resolve(const TensorRef& ref, std::string_view where, size_t consumer,
                                     bool data) {
    PlannedRef planned{.text = ref.text, .inputs = ref.inputs, .tensor = ref.tensor};
    const auto error = [&](std::string problem) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: {}: '{}' {}", spec_.file, ref.line, where, ref.text, problem));
    };
    if (ref.step == spec_.name) {
      if (!ref.inputs) {
        return error(
            fmt::format("names the pipeline's own outputs; a step can take '{}.inputs[.<tensor>]'",
                        spec_.name));
      }
      if (data && ref.tensor.empty() && consumer == kFromPipeline) {
        return error("is all of the pipeline's inputs; spec.output names each tensor");
      }
      planned.step = kFromPipeline;
    } else {
      auto found = index_.find(ref.step);
      if (found == index_.end()) {
        return error(fmt::format(
            "names '{}', which is neither a step of pipeline '{}' nor the pipeline itself{}",
            ref.step, spec_.name,
            ref.step.find('.') == std::string::npos
                ? ""
                : " (a reference is '<step>', '<step>.outputs[.<tensor>]' or "
                  "'<step>.inputs[.<tensor>]')"));
      }
      planned.step = found->second;
      const ModelConfig& producer = models_[planned.step];
      const std::vector<TensorConfig>& tensors = ref.inputs ? producer.inputs : producer.outputs;
      const bool open = ref.inputs ? OpenInputs(producer) : OpenOutputs(producer);
      if (!ref.tensor.empty() && !open && Find(tensors, ref.tensor) == nullptr) {
        return error(fmt::format("names tensor '{}', which is not an {} of model '{}' ({}: {})",
                                 ref.tensor, ref.inputs ? "input" : "output", ref.step,
                                 ref.inputs ? "inputs" : "outputs", Names(tensors)));
      }
    }
    if (!data) return planned;
    const std::map<std::string, std::string>& tensor_map =
        consumer == kFromPipeline ? spec_.output->tensor_map : spec_.steps[consumer].tensor_map;
    if (!ref.tensor.empty()) {
      planned.feeds.push_back({.from = ref.tensor, .to = Renamed(tensor_map, ref, ref.tensor)});
    } else if (planned.step != kFromPipeline) {
      const ModelConfig& producer = models_[planned.step];
      if (ref.inputs ? OpenInputs(producer) : OpenOutputs(producer)) {
        planned.every_tensor = true;  // known when the step has run
        planned.rename = RenamesOf(tensor_map, ref);
        return planned;
      }
      for (const TensorConfig& t : ref.inputs ? producer.inputs : producer.outputs) {
        planned.feeds.push_back({.from = t.name, .to = Renamed(tensor_map, ref, t.name)});
      }
    } else if (consumer != kFromPipeline && OpenInputs(models_[consumer])) {
      // All of the pipeline's inputs, for a model that takes any: every one the request has.
      planned.every_tensor = true;
      planned.rename = RenamesOf(tensor_map, ref);
      open_inputs_ = true;
    } else {
      // All of the pipeline's inputs, for a step: the ones its model takes, under the names
      // tensorMap gives them.
      for (const TensorConfig& input : models_[consumer].inputs) {
        std::string from = input.name;
        for (const auto& [key, to] : tensor_map) {
          const std::string prefix = fmt::format("{}.inputs.", spec_.name);
          if (to == input.name && key.starts_with(prefix)) from = key.substr(prefix.size());
        }
        planned.feeds.push_back({.from = from, .to = input.name});
      }
    }
    return planned;
  }

  // The datatype and full shape of what `ref` brings as `from`; kInvalid when it is a
  // pipeline input (the consumer decides).
  const TensorConfig* Produced(const PlannedRef& ref, const std::string& from) const {
    if (ref.step == kFromPipeline) return nullptr;
    const ModelConfig& producer = models_[ref.step];
    return Find(ref.inputs ? producer.inputs : producer.outputs, from);
  }

  absl::Status AddPipelineInput(const std::string& name, const ModelConfig& model,
                                const TensorConfig& input, bool required, int line,
                                std::string_view step) {
    TensorConfig wanted = input;
    wanted.name = name;
    wanted.dims = FullShape(model, input);
    wanted.optional = !required || input.optional;
    wanted.reshape.reset();
    wanted.labels.reset();
    wanted.label_filename.clear();
    auto [it, inserted] = inputs_.emplace(name, wanted);
    if (inserted) return absl::OkStatus();
    TensorConfig& known = it->second;
    if (known.datatype == DataType::kInvalid || !known.accepted_datatypes.empty()) {
      const bool optional = known.optional && wanted.optional;
      known = wanted;  // it was only a trigger so far
      known.optional = optional;
      return absl::OkStatus();
    }
    if (known.datatype != wanted.datatype) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: pipeline input '{}' is {} for model '{}' but {} for another step", At(line, step),
          name, DataTypeName(wanted.datatype), step, DataTypeName(known.datatype)));
    }
    known.optional = known.optional && wanted.optional;
    return absl::OkStatus();
  }

  absl::StatusOr<PlannedStep> PlanStep(size_t s) {
    const PipelineStepSpec& spec = spec_.steps[s];
    const ModelConfig& model = models_[s];
    PlannedStep step{
        .model = spec.name, .inputs_join = spec.inputs_join, .triggers_join = spec.triggers_join};
    const std::string where = fmt::format("step '{}'", spec.name);
    std::vector<TensorRef> inputs = spec.inputs;
    if (inputs.empty()) {
      // Seldon's default: a step with no inputs takes the pipeline's.
      inputs.push_back(
          {.text = spec_.name + ".inputs", .step = spec_.name, .inputs = true, .line = spec.line});
    }
    for (const TensorRef& ref : inputs) {
      absl::StatusOr<PlannedRef> planned = Resolve(ref, where + " inputs", s, true);
      if (!planned.ok()) return planned.status();
      step.inputs.push_back(*std::move(planned));
    }
    for (const TensorRef& ref : spec.triggers) {
      absl::StatusOr<PlannedRef> planned = Resolve(ref, where + " triggers", s, false);
      if (!planned.ok()) return planned.status();
      step.triggers.push_back(*std::move(planned));
    }
    const bool inner = spec.inputs_join == JoinType::kInner;
    std::map<std::string, std::string> fed;  // model input -> reference feeding it
    for (const PlannedRef& ref : step.inputs) {
      for (const PlannedFeed& feed : ref.feeds) {
        if (OpenInputs(model)) {
          // Any name, any type: the model's own code (and the step request's checks) decide.
          if (ref.step == kFromPipeline) open_inputs_ = true;
          continue;
        }
        const TensorConfig* input = Find(model.inputs, feed.to);
        if (input == nullptr) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: is given tensor '{}' (from '{}'), which is not an input of model '{}' "
              "(inputs: {}); rename it with tensorMap or name the tensors it takes",
              At(spec.line, spec.name), feed.to, ref.text, spec.name, Names(model.inputs)));
        }
        if (auto [it, inserted] = fed.emplace(feed.to, ref.text); !inserted && inner) {
          return absl::InvalidArgumentError(
              fmt::format("{}: input '{}' of model '{}' is fed twice, by '{}' and by '{}' (an "
                          "inner join needs one of each)",
                          At(spec.line, spec.name), feed.to, spec.name, it->second, ref.text));
        }
        if (const TensorConfig* made = Produced(ref, feed.from);
            made != nullptr && made->datatype != DataType::kInvalid &&
            input->datatype != DataType::kInvalid && made->datatype != input->datatype &&
            std::find(input->accepted_datatypes.begin(), input->accepted_datatypes.end(),
                      made->datatype) == input->accepted_datatypes.end()) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: tensor '{}' from '{}' is {} but input '{}' of model '{}' takes {}",
              At(spec.line, spec.name), feed.from, ref.text, DataTypeName(made->datatype), feed.to,
              spec.name, DataTypeName(input->datatype)));
        }
        if (ref.step == kFromPipeline) {
          const bool required = inner && spec.triggers.empty();
          if (absl::Status added =
                  AddPipelineInput(feed.from, model, *input, required, spec.line, spec.name);
              !added.ok()) {
            return added;
          }
        }
      }
    }
    if (inner) {
      for (const TensorConfig& input : model.inputs) {
        if (!input.optional && !fed.contains(input.name)) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: input '{}' of model '{}' is fed by none of its inputs ({}); map a tensor to "
              "it with tensorMap",
              At(spec.line, spec.name), input.name, spec.name, RefTexts(step.inputs)));
        }
      }
    }
    for (const PlannedRef& trigger : step.triggers) {
      if (trigger.step != kFromPipeline || trigger.tensor.empty()) continue;
      // A trigger on a pipeline input no step consumes: any type, one dimension.
      TensorConfig flag{
          .name = trigger.tensor, .datatype = DataType::kBool, .dims = {-1}, .optional = true};
      for (int t = static_cast<int>(DataType::kUint8); t <= static_cast<int>(DataType::kBytes);
           ++t) {
        flag.accepted_datatypes.push_back(static_cast<DataType>(t));
      }
      inputs_.emplace(trigger.tensor, std::move(flag));
    }
    return step;
  }

  static std::string RefTexts(const std::vector<PlannedRef>& refs) {
    std::string texts;
    for (const PlannedRef& ref : refs) texts += (texts.empty() ? "" : ", ") + ref.text;
    return texts;
  }

  absl::Status CheckAcyclic(const PipelinePlan& plan) const {
    const size_t n = plan.steps.size();
    std::vector<std::set<size_t>> waits(n);
    for (size_t s = 0; s < n; ++s) {
      for (const auto* refs : {&plan.steps[s].inputs, &plan.steps[s].triggers}) {
        for (const PlannedRef& ref : *refs) {
          if (ref.step != kFromPipeline) waits[s].insert(ref.step);
        }
      }
    }
    // Depth-first search; a step met again while on the path closes a cycle.
    std::vector<int> state(n, 0);  // 0 unseen, 1 on the path, 2 done
    std::vector<size_t> path;
    std::function<std::optional<size_t>(size_t)> visit = [&](size_t s) -> std::optional<size_t> {
      state[s] = 1;
      path.push_back(s);
      for (size_t p : waits[s]) {
        if (state[p] == 1) return p;
        if (state[p] == 0) {
          if (std::optional<size_t> found = visit(p)) return found;
        }
      }
      state[s] = 2;
      path.pop_back();
      return std::nullopt;
    };
    for (size_t s = 0; s < n; ++s) {
      if (state[s] != 0) continue;
      std::optional<size_t> start = visit(s);
      if (!start) continue;
      std::string cycle;
      auto first = std::find(path.begin(), path.end(), *start);
      for (auto it = first; it != path.end(); ++it)
        cycle += fmt::format("'{}' <- ", spec_.steps[*it].name);
      cycle += fmt::format("'{}'", spec_.steps[*start].name);
      return absl::InvalidArgumentError(fmt::format(
          "{}: steps wait on each other (a cycle): {} (each takes its input from the next)",
          At(spec_.steps[*start].line, spec_.steps[*start].name), cycle));
    }
    return absl::OkStatus();
  }

  absl::Status PlanOutputs(PipelinePlan& plan) {
    const PipelineOutputSpec& output = *spec_.output;
    plan.outputs_join = output.steps_join;
    std::set<std::string> names;
    for (const TensorRef& ref : output.steps) {
      absl::StatusOr<PlannedRef> planned = Resolve(ref, "spec.output.steps", kFromPipeline, true);
      if (!planned.ok()) return planned.status();
      if (planned->every_tensor) open_outputs_ = true;
      for (const PlannedFeed& feed : planned->feeds) {
        if (planned->step != kFromPipeline &&
            (planned->inputs ? OpenInputs(models_[planned->step])
                             : OpenOutputs(models_[planned->step]))) {
          open_outputs_ = true;  // a named tensor of an open model: its type comes with it
          continue;
        }
        if (!names.insert(feed.to).second) {
          if (output.steps_join != JoinType::kInner) continue;  // whichever arrives
          return absl::InvalidArgumentError(fmt::format(
              "{}:{}: spec.output.steps: output '{}' comes from two references (from '{}' too); "
              "rename one with spec.output.tensorMap",
              spec_.file, ref.line, feed.to, ref.text));
        }
        TensorConfig served;
        if (const TensorConfig* made = Produced(*planned, feed.from); made != nullptr) {
          served = *made;
          served.dims = FullShape(models_[planned->step], *made);
          served.reshape.reset();
          served.optional = false;
          served.accepted_datatypes.clear();
        } else {
          auto input = inputs_.find(feed.from);
          if (input == inputs_.end() && open_inputs_) {
            open_outputs_ = true;  // a pipeline input only open steps take: any type
            continue;
          }
          if (input == inputs_.end()) {
            return absl::InvalidArgumentError(
                fmt::format("{}:{}: spec.output.steps: '{}' is a pipeline input no step takes",
                            spec_.file, ref.line, ref.text));
          }
          served = input->second;
          served.optional = false;
          served.accepted_datatypes.clear();
        }
        served.name = feed.to;
        plan.config.outputs.push_back(std::move(served));
      }
      plan.outputs.push_back(*std::move(planned));
    }
    return absl::OkStatus();
  }

  const PipelineSpec& spec_;
  const PipelineModelLookup& lookup_;
  std::map<std::string, size_t> index_;
  std::vector<ModelConfig> models_;
  std::map<std::string, TensorConfig> inputs_;  // the pipeline's, by name
  bool open_inputs_ = false;   // some pipeline input reaches a model that takes any
  bool open_outputs_ = false;  // some pipeline output comes from a model that makes any
};

}  // namespace

absl::StatusOr<PipelinePlan> PlanPipeline(const PipelineSpec& spec, std::string_view served_name,
                                          const PipelineModelLookup& lookup) {
  return Planner(spec, lookup).Plan(served_name);
}

}  // namespace tensord

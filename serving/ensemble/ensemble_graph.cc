#include "serving/ensemble/ensemble_graph.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "core/datatype.h"
#include "core/shape.h"
#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord {
namespace {

// Who makes a tensor: an ensemble input (step == kEnsembleInput) or a step's output.
constexpr size_t kEnsembleInput = static_cast<size_t>(-1);
struct Producer {
  size_t step = kEnsembleInput;
  std::string tensor;  // the step model's output name; the ensemble input's name
  DataType datatype = DataType::kInvalid;
  Shape shape;  // with the batch dimension when the producer batches; empty: unknown
};

const TensorConfig* FindTensor(const std::vector<TensorConfig>& tensors, const std::string& name) {
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

bool Accepts(const TensorConfig& input, DataType type) {
  if (input.datatype == DataType::kInvalid || type == DataType::kInvalid) return true;
  if (input.datatype == type) return true;
  for (DataType accepted : input.accepted_datatypes) {
    if (accepted == type) return true;
  }
  return false;
}

// Whether a tensor of shape `made` fits `wanted` (full shapes, -1 any size). An empty shape
// is taken as unknown: configs of some runtimes leave dims out.
bool ShapesFit(const Shape& made, const Shape& wanted) {
  if (made.empty() || wanted.empty()) return true;
  if (made.size() != wanted.size()) return false;
  for (size_t i = 0; i < made.size(); ++i) {
    if (made[i] >= 0 && wanted[i] >= 0 && made[i] != wanted[i]) return false;
  }
  return true;
}

}  // namespace

std::string StepLabel(const ModelConfig& ensemble, size_t index) {
  return fmt::format("ensemble step {} ('{}')", index + 1,
                     ensemble.ensemble_steps[index].model_name);
}

absl::StatusOr<EnsembleGraph> PlanEnsemble(const ModelConfig& ensemble,
                                           const StepConfigLookup& lookup) {
  const std::vector<EnsembleStep>& steps = ensemble.ensemble_steps;
  if (steps.empty()) return absl::InvalidArgumentError("ensemble_scheduling has no steps");
  const auto invalid = [](std::string message) {
    return absl::InvalidArgumentError(std::move(message));
  };
  const auto producer_label = [&](const Producer& p) {
    return p.step == kEnsembleInput
               ? fmt::format("ensemble input '{}'", p.tensor)
               : fmt::format("output '{}' of {}", p.tensor, StepLabel(ensemble, p.step));
  };

  // An ensemble has no model file to complete its inputs and outputs from.
  for (const auto* tensors : {&ensemble.inputs, &ensemble.outputs}) {
    for (const TensorConfig& t : *tensors) {
      if (t.datatype == DataType::kInvalid) {
        return invalid(fmt::format("ensemble {} '{}' has no data_type",
                                   tensors == &ensemble.inputs ? "input" : "output", t.name));
      }
    }
  }
  if (ensemble.outputs.empty()) return invalid("ensemble has no outputs");

  // The step models, and what every tensor is produced by.
  std::vector<ModelConfig> models;
  models.reserve(steps.size());
  std::map<std::string, Producer> producers;
  for (const TensorConfig& input : ensemble.inputs) {
    producers[input.name] = {
        .tensor = input.name, .datatype = input.datatype, .shape = FullShape(ensemble, input)};
  }
  for (size_t s = 0; s < steps.size(); ++s) {
    absl::StatusOr<ModelConfig> model = lookup(steps[s]);
    if (!model.ok()) return Annotate(model.status(), StepLabel(ensemble, s));
    models.push_back(*std::move(model));
    for (const auto& [output, tensor] : steps[s].output_map) {
      const TensorConfig* declared = FindTensor(models[s].outputs, output);
      if (declared == nullptr) {
        return invalid(fmt::format(
            "{}: output_map names '{}', which is not an output of model "
            "'{}' (outputs: {})",
            StepLabel(ensemble, s), output, steps[s].model_name, Names(models[s].outputs)));
      }
      Producer made{.step = s,
                    .tensor = output,
                    .datatype = declared->datatype,
                    .shape = FullShape(models[s], *declared)};
      auto [it, inserted] = producers.emplace(tensor, made);
      if (!inserted) {
        return invalid(fmt::format("{}: tensor '{}' is produced twice: by {} and by {}",
                                   StepLabel(ensemble, s), tensor, producer_label(it->second),
                                   producer_label(made)));
      }
    }
  }

  // What every step consumes, checked against its producer.
  EnsembleGraph graph;
  graph.consumers.resize(steps.size());
  graph.producer_count.assign(steps.size(), 0);
  std::vector<std::set<size_t>> waits_for(steps.size());
  for (size_t s = 0; s < steps.size(); ++s) {
    for (const auto& [input, tensor] : steps[s].input_map) {
      const TensorConfig* declared = FindTensor(models[s].inputs, input);
      if (declared == nullptr) {
        return invalid(fmt::format(
            "{}: input_map names '{}', which is not an input of model "
            "'{}' (inputs: {})",
            StepLabel(ensemble, s), input, steps[s].model_name, Names(models[s].inputs)));
      }
      auto producer = producers.find(tensor);
      if (producer == producers.end()) {
        return invalid(fmt::format(
            "{}: tensor '{}' (input '{}') is consumed but never produced: it is neither an "
            "ensemble input nor any step's output",
            StepLabel(ensemble, s), tensor, input));
      }
      if (!Accepts(*declared, producer->second.datatype)) {
        return invalid(
            fmt::format("{}: tensor '{}' is {} ({}) but input '{}' of model '{}' "
                        "takes {}",
                        StepLabel(ensemble, s), tensor, DataTypeName(producer->second.datatype),
                        producer_label(producer->second), input, steps[s].model_name,
                        DataTypeName(declared->datatype)));
      }
      if (const Shape wanted = FullShape(models[s], *declared);
          !ShapesFit(producer->second.shape, wanted)) {
        return invalid(fmt::format(
            "{}: tensor '{}' has shape {} ({}) but input '{}' of model '{}' takes {}",
            StepLabel(ensemble, s), tensor, ShapeToString(producer->second.shape),
            producer_label(producer->second), input, steps[s].model_name, ShapeToString(wanted)));
      }
      if (producer->second.step != kEnsembleInput) waits_for[s].insert(producer->second.step);
    }
    for (const TensorConfig& input : models[s].inputs) {
      if (!input.optional && !steps[s].input_map.contains(input.name)) {
        return invalid(fmt::format("{}: input '{}' of model '{}' is not in the step's input_map",
                                   StepLabel(ensemble, s), input.name, steps[s].model_name));
      }
    }
  }
  for (const TensorConfig& output : ensemble.outputs) {
    auto producer = producers.find(output.name);
    if (producer == producers.end() || producer->second.step == kEnsembleInput) {
      return invalid(fmt::format("ensemble output '{}' is not produced by any step", output.name));
    }
    if (output.datatype != DataType::kInvalid && producer->second.datatype != DataType::kInvalid &&
        output.datatype != producer->second.datatype) {
      return invalid(fmt::format("ensemble output '{}' is declared {} but {} is {}", output.name,
                                 DataTypeName(output.datatype), producer_label(producer->second),
                                 DataTypeName(producer->second.datatype)));
    }
    if (const Shape declared = FullShape(ensemble, output);
        !ShapesFit(producer->second.shape, declared)) {
      return invalid(fmt::format("ensemble output '{}' is declared {} but {} has shape {}",
                                 output.name, ShapeToString(declared),
                                 producer_label(producer->second),
                                 ShapeToString(producer->second.shape)));
    }
  }

  for (size_t s = 0; s < steps.size(); ++s) {
    graph.producer_count[s] = waits_for[s].size();
    for (size_t p : waits_for[s]) graph.consumers[p].push_back(s);
    if (waits_for[s].empty()) graph.initial.push_back(s);
  }
  // Kahn's order; steps left over wait on each other.
  std::vector<size_t> pending = graph.producer_count;
  std::vector<size_t> ready = graph.initial;
  while (!ready.empty()) {
    const size_t s = ready.back();
    ready.pop_back();
    graph.order.push_back(s);
    for (size_t c : graph.consumers[s]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (graph.order.size() != steps.size()) {
    // Every left-over step waits for a left-over producer: walking from one to its
    // producer must come back to a step already seen, and the walk from there is a cycle.
    const auto leftover_input = [&](size_t s) -> std::pair<std::string, size_t> {
      for (const auto& [input, tensor] : steps[s].input_map) {
        const Producer& p = producers.at(tensor);
        if (p.step != kEnsembleInput && pending[p.step] != 0) return {tensor, p.step};
      }
      return {"", kEnsembleInput};  // not reached: pending[s] != 0
    };
    size_t s = 0;
    while (pending[s] == 0) ++s;
    std::vector<size_t> walk;
    while (std::find(walk.begin(), walk.end(), s) == walk.end()) {
      walk.push_back(s);
      s = leftover_input(s).second;
    }
    std::string message =
        fmt::format("ensemble steps wait on each other (a cycle): {}", StepLabel(ensemble, s));
    const size_t first = s;
    do {
      auto [tensor, producer] = leftover_input(s);
      message += fmt::format(" consumes tensor '{}' from {}{}", tensor,
                             StepLabel(ensemble, producer), producer == first ? "" : ", which");
      s = producer;
    } while (s != first);
    return invalid(std::move(message));
  }
  return graph;
}

}  // namespace tensord

#include "runtime/onnx/output_plan.h"

#include <algorithm>
#include <limits>

#include "absl/strings/string_view.h"

namespace tensord::runtime::onnx {

OutputPlans::OutputPlans(std::span<const DeclaredTensor> inputs,
                         std::span<const DeclaredTensor> outputs, int64_t max_batch_size) {
  // Each symbolic name maps to the first input dimension that carries it.
  absl::flat_hash_map<std::string, Dim> named;
  for (const DeclaredTensor& input : inputs) {
    for (size_t d = 0; d < input.symbols.size(); ++d) {
      if (!input.symbols[d].empty()) {
        named.try_emplace(input.symbols[d], Dim{.input = input.name, .dim = d});
      }
    }
  }
  for (const DeclaredTensor& output : outputs) {
    if (output.datatype == DataType::kInvalid || DataTypeByteSize(output.datatype) == 0) continue;
    // A graph output that is a graph input: ONNX Runtime hands the input back and leaves
    // a preallocated buffer unwritten.
    if (std::any_of(inputs.begin(), inputs.end(),
                    [&](const DeclaredTensor& input) { return input.name == output.name; })) {
      continue;
    }
    Plan plan{.datatype = output.datatype};
    bool known = true;
    for (size_t d = 0; d < output.dims.size() && known; ++d) {
      const std::string_view symbol =
          d < output.symbols.size() ? std::string_view(output.symbols[d]) : std::string_view();
      if (output.dims[d] > 0) {
        plan.dims.push_back({.size = output.dims[d]});
      } else if (auto it = named.find(absl::string_view(symbol.data(), symbol.size()));
                 !symbol.empty() && it != named.end()) {
        plan.dims.push_back(it->second);
      } else if (d == 0 && max_batch_size > 0) {
        plan.dims.push_back({.batch = true});
      } else {
        known = false;  // unnamed and unsized, a name no input has, or a fixed 0
      }
    }
    if (known) plans_.try_emplace(output.name, std::move(plan));
  }
}

std::optional<PlannedOutput> OutputPlans::Predict(std::string_view output,
                                                  std::span<const Tensor> inputs) const {
  // Debian's Abseil has its own string_view, which its hash maps look up by.
  auto plan = plans_.find(absl::string_view(output.data(), output.size()));
  if (plan == plans_.end()) return std::nullopt;
  Shape shape;
  shape.reserve(plan->second.dims.size());
  for (const Dim& dim : plan->second.dims) {
    if (dim.batch) {
      if (inputs.empty() || inputs.front().shape.empty()) return std::nullopt;
      shape.push_back(inputs.front().shape.front());
      continue;
    }
    if (dim.input.empty()) {
      shape.push_back(dim.size);
      continue;
    }
    auto input = std::find_if(inputs.begin(), inputs.end(),
                              [&](const Tensor& t) { return t.name == dim.input; });
    if (input == inputs.end() || dim.dim >= input->shape.size()) return std::nullopt;
    shape.push_back(input->shape[dim.dim]);
  }
  absl::StatusOr<int64_t> count = ElementCount(shape);
  if (!count.ok() || *count <= 0) return std::nullopt;
  const size_t element = DataTypeByteSize(plan->second.datatype);
  if (static_cast<uint64_t>(*count) > std::numeric_limits<size_t>::max() / element) {
    return std::nullopt;
  }
  return PlannedOutput{.datatype = plan->second.datatype,
                       .shape = std::move(shape),
                       .bytes = static_cast<size_t>(*count) * element};
}

}  // namespace tensord::runtime::onnx

#include "tools/bench/request_inputs.h"

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/status_util.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "nlohmann/json.hpp"
#include "tools/bench/tensor_values.h"

namespace tensord::bench {
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

int64_t Elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

template <typename T>
void Append(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

absl::StatusOr<std::vector<int64_t>> ResolveOne(const TensorSpec& spec, const InputOptions& o) {
  std::vector<int64_t> shape = spec.shape;
  const bool batched = !shape.empty() && shape[0] == -1;
  if (auto it = o.shapes.find(spec.name); it != o.shapes.end()) {
    const std::vector<int64_t>& given = it->second;
    if (given.size() + 1 == shape.size() && batched) {
      shape = {o.batch};
      shape.insert(shape.end(), given.begin(), given.end());
    } else if (given.size() == shape.size()) {
      shape = given;
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "--shape {}:{}: the model's input '{}' has shape {}, so give {} dimensions{}", spec.name,
          fmt::join(given, ","), spec.name, ShapeText(spec.shape), spec.shape.size(),
          batched ? fmt::format(" (or {} without the batch dimension)", spec.shape.size() - 1)
                  : ""));
    }
    for (size_t i = 0; i < spec.shape.size(); ++i) {
      if (spec.shape[i] >= 0 && shape[i] != spec.shape[i]) {
        return absl::InvalidArgumentError(
            fmt::format("--shape {}: dimension {} is {} but the model fixes it at {} (shape {})",
                        spec.name, i, shape[i], spec.shape[i], ShapeText(spec.shape)));
      }
    }
  } else if (batched) {
    shape[0] = o.batch;
  } else if (o.batch > 1) {
    return absl::InvalidArgumentError(
        fmt::format("-b {}: input '{}' has no batch dimension (shape {}); use -b 1", o.batch,
                    spec.name, ShapeText(spec.shape)));
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      return absl::InvalidArgumentError(fmt::format(
          "input '{}' has a dynamic dimension {} (shape {}): give its shape with --shape {}:{}",
          spec.name, i, ShapeText(spec.shape), spec.name,
          fmt::join(std::vector<int64_t>(shape.size() - (batched ? 1 : 0), 1), ",")));
    }
  }
  return shape;
}

absl::StatusOr<std::vector<RequestInputs>> FromFile(const std::vector<TensorSpec>& specs,
                                                    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(fmt::format("--input-data: cannot read '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(fmt::format("--input-data '{}' is not valid JSON", path));
  }
  if (!doc.is_object() || !doc.contains("data") || !doc["data"].is_array() || doc["data"].empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "--input-data '{}' needs {{\"data\": [{{\"INPUT\": [...], ...}}, ...]}} with at least "
        "one entry",
        path));
  }
  std::vector<RequestInputs> requests;
  for (size_t e = 0; e < doc["data"].size(); ++e) {
    const nlohmann::json& entry = doc["data"][e];
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(
          fmt::format("--input-data '{}': data[{}] is not an object", path, e));
    }
    RequestInputs request;
    for (const TensorSpec& spec : specs) {
      const std::string context = fmt::format("--input-data data[{}].{}", e, spec.name);
      if (!entry.contains(spec.name)) {
        return absl::InvalidArgumentError(fmt::format("{} is missing", context));
      }
      const nlohmann::json& value = entry[spec.name];
      InputTensor tensor{.name = spec.name, .datatype = spec.datatype, .shape = spec.shape};
      const nlohmann::json* content = &value;
      if (value.is_object()) {
        if (!value.contains("content")) {
          return absl::InvalidArgumentError(fmt::format("{} has no 'content'", context));
        }
        content = &value["content"];
        if (value.contains("shape")) tensor.shape = value["shape"].get<std::vector<int64_t>>();
      }
      int64_t count = 0;
      absl::StatusOr<std::string> raw = JsonToRaw(spec.datatype, *content, context, &count);
      if (!raw.ok()) return raw.status();
      if (count != Elements(tensor.shape)) {
        return absl::InvalidArgumentError(fmt::format("{} has {} elements but shape {} needs {}",
                                                      context, count, ShapeText(tensor.shape),
                                                      Elements(tensor.shape)));
      }
      tensor.raw = *std::move(raw);
      request.push_back(std::move(tensor));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace

absl::StatusOr<std::vector<TensorSpec>> ResolveInputShapes(const ModelInfo& model,
                                                           const InputOptions& options) {
  for (const auto& [name, dims] : options.shapes) {
    bool found = false;
    for (const TensorSpec& spec : model.inputs) found = found || spec.name == name;
    if (!found) {
      std::vector<std::string> names;
      for (const TensorSpec& spec : model.inputs) names.push_back(spec.name);
      return absl::InvalidArgumentError(
          fmt::format("--shape names input '{}' but model '{}' has inputs: {}", name, model.name,
                      fmt::join(names, ", ")));
    }
  }
  std::vector<TensorSpec> out;
  for (const TensorSpec& spec : model.inputs) {
    absl::StatusOr<std::vector<int64_t>> shape = ResolveOne(spec, options);
    if (!shape.ok()) return shape.status();
    out.push_back({spec.name, spec.datatype, *shape});
  }
  return out;
}

absl::StatusOr<InputTensor> RandomTensor(const TensorSpec& spec, uint64_t seed) {
  absl::StatusOr<size_t> size = ElementByteSize(spec.datatype);
  if (!size.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("input '{}': {}", spec.name, Message(size.status())));
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> small(0, 99);
  std::uniform_int_distribution<int> length(1, 16);
  std::uniform_int_distribution<int> letter('a', 'z');
  InputTensor t{.name = spec.name, .datatype = spec.datatype, .shape = spec.shape};
  const int64_t n = Elements(spec.shape);
  const std::string& d = spec.datatype;
  for (int64_t i = 0; i < n; ++i) {
    if (d == "BYTES") {
      std::string s(static_cast<size_t>(length(rng)), 'a');
      for (char& c : s) c = static_cast<char>(letter(rng));
      Append<uint32_t>(t.raw, static_cast<uint32_t>(s.size()));
      t.raw += s;
    } else if (d == "BOOL")
      Append<uint8_t>(t.raw, small(rng) % 2);
    else if (d == "INT8" || d == "UINT8")
      Append<uint8_t>(t.raw, static_cast<uint8_t>(small(rng)));
    else if (d == "INT16" || d == "UINT16")
      Append<uint16_t>(t.raw, static_cast<uint16_t>(small(rng)));
    else if (d == "INT32" || d == "UINT32")
      Append<uint32_t>(t.raw, static_cast<uint32_t>(small(rng)));
    else if (d == "INT64" || d == "UINT64")
      Append<uint64_t>(t.raw, static_cast<uint64_t>(small(rng)));
    else if (d == "FP16")
      Append<uint16_t>(t.raw, FloatToHalf(static_cast<float>(unit(rng))));
    else if (d == "BF16") {
      Append<uint16_t>(t.raw, static_cast<uint16_t>(
                                  std::bit_cast<uint32_t>(static_cast<float>(unit(rng))) >> 16));
    } else if (d == "FP32")
      Append<float>(t.raw, static_cast<float>(unit(rng)));
    else if (d == "FP64")
      Append<double>(t.raw, unit(rng));
  }
  return t;
}

absl::StatusOr<std::vector<RequestInputs>> MakeRequests(const ModelInfo& model,
                                                        const InputOptions& options) {
  if (model.inputs.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("model '{}' reports no inputs in its metadata", model.name));
  }
  absl::StatusOr<std::vector<TensorSpec>> specs = ResolveInputShapes(model, options);
  if (!specs.ok()) return specs.status();
  if (!options.data_file.empty()) return FromFile(*specs, options.data_file);
  std::vector<RequestInputs> requests;
  for (int r = 0; r < std::max(1, options.random_requests); ++r) {
    RequestInputs request;
    for (size_t i = 0; i < specs->size(); ++i) {
      absl::StatusOr<InputTensor> t =
          RandomTensor((*specs)[i], options.seed * 1000003 + r * 31 + i);
      if (!t.ok()) return t.status();
      request.push_back(*std::move(t));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace tensord::bench

#include "scheduler/batch.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/status/status.h"
#include "core/status_util.h"
#include "fmt/format.h"

namespace tensord::scheduler {
namespace {

// Elements in one row: the product of the non-batch dimensions.
int64_t RowElements(const Shape& shape) {
  int64_t count = 1;
  for (size_t i = 1; i < shape.size(); ++i) count *= shape[i];
  return count;
}

const Tensor* FindInput(const InferRequest& request, const std::string& name) {
  for (const Tensor& input : request.inputs) {
    if (input.name == name) return &input;
  }
  return nullptr;
}

// Byte offsets of the row boundaries of a BYTES tensor (rows + 1 entries).
absl::StatusOr<std::vector<size_t>> BytesRowOffsets(const Tensor& output, int64_t total_rows) {
  const int64_t per_row = RowElements(output.shape);
  absl::StatusOr<std::vector<std::string_view>> elements =
      SplitBytesElements(output.data.bytes(), total_rows * per_row);
  if (!elements.ok()) return Annotate(elements.status(), fmt::format("output '{}'", output.name));
  std::vector<size_t> offsets(total_rows + 1, 0);
  if (per_row == 0) return offsets;
  const char* base = reinterpret_cast<const char*>(output.data.data());
  for (int64_t row = 0; row < total_rows; ++row) {
    // Each element starts 4 bytes (its length prefix) before its characters.
    offsets[row] = static_cast<size_t>((*elements)[row * per_row].data() - base) - 4;
  }
  offsets[total_rows] = output.data.size();
  return offsets;
}

}  // namespace

std::vector<std::string> OutputNames(const ModelConfig& config, const InferRequest& request) {
  std::vector<std::string> names;
  if (request.outputs.empty()) {
    names.reserve(config.outputs.size());
    for (const TensorConfig& output : config.outputs) {
      if (!output.optional) names.push_back(output.name);
    }
    // A model whose outputs are all optional still answers with something.
    if (names.empty()) {
      for (const TensorConfig& output : config.outputs) names.push_back(output.name);
    }
  } else {
    names.reserve(request.outputs.size());
    for (const RequestedOutput& output : request.outputs) names.push_back(output.name);
  }
  return names;
}

int64_t BatchRows(const ModelConfig& config, const InferRequest& request) {
  if (config.max_batch_size <= 0 || request.inputs.empty() || request.inputs[0].shape.empty()) {
    return 1;
  }
  return request.inputs[0].shape[0];
}

std::string BatchKey(const InferRequest& request, std::span<const std::string> output_names) {
  std::vector<const Tensor*> inputs;
  inputs.reserve(request.inputs.size());
  for (const Tensor& input : request.inputs) inputs.push_back(&input);
  std::sort(inputs.begin(), inputs.end(),
            [](const Tensor* a, const Tensor* b) { return a->name < b->name; });
  std::string key;
  for (const Tensor* input : inputs) {
    key += input->name;
    key += ':';
    key += std::to_string(static_cast<int>(input->datatype));
    for (size_t i = 1; i < input->shape.size(); ++i) {
      key += ',';
      key += std::to_string(input->shape[i]);
    }
    key += ';';
  }
  key += '|';
  for (const std::string& name : output_names) {
    key += name;
    key += ';';
  }
  return key;
}

absl::StatusOr<std::vector<Tensor>> MergeInputs(std::span<const InferRequest* const> requests) {
  std::vector<Tensor> merged;
  if (requests.empty()) return merged;
  const InferRequest& first = *requests.front();
  merged.reserve(first.inputs.size());
  for (const Tensor& model_input : first.inputs) {
    size_t total_bytes = 0;
    int64_t total_rows = 0;
    std::vector<const Tensor*> parts;
    parts.reserve(requests.size());
    for (const InferRequest* request : requests) {
      const Tensor* part = FindInput(*request, model_input.name);
      if (part == nullptr || part->shape.empty() || part->datatype != model_input.datatype) {
        return absl::InternalError(
            fmt::format("input '{}' of request '{}' cannot join a batch with request '{}'",
                        model_input.name, request->id, first.id));
      }
      parts.push_back(part);
      total_bytes += part->data.size();
      total_rows += part->shape[0];
    }
    std::vector<std::byte> bytes(total_bytes);
    size_t at = 0;
    for (const Tensor* part : parts) {
      if (!part->data.empty()) std::memcpy(bytes.data() + at, part->data.data(), part->data.size());
      at += part->data.size();
    }
    Tensor tensor{.name = model_input.name,
                  .datatype = model_input.datatype,
                  .shape = model_input.shape,
                  .data = Buffer::FromVector(std::move(bytes)),
                  .parameters = model_input.parameters};
    tensor.shape[0] = total_rows;
    merged.push_back(std::move(tensor));
  }
  return merged;
}

absl::StatusOr<std::vector<std::vector<Tensor>>> SplitOutputs(std::span<const Tensor> outputs,
                                                              std::span<const int64_t> rows) {
  const int64_t total_rows = std::accumulate(rows.begin(), rows.end(), int64_t{0});
  std::vector<std::vector<Tensor>> parts(rows.size());
  for (auto& part : parts) part.reserve(outputs.size());
  for (const Tensor& output : outputs) {
    if (output.shape.empty() || output.shape[0] != total_rows) {
      return absl::InternalError(fmt::format("output '{}' has shape {}, but the batch has {} rows",
                                             output.name, ShapeToString(output.shape), total_rows));
    }
    // Byte offset of each row boundary.
    std::vector<size_t> offsets;
    if (output.datatype == DataType::kBytes) {
      absl::StatusOr<std::vector<size_t>> bytes_offsets = BytesRowOffsets(output, total_rows);
      if (!bytes_offsets.ok()) {
        return absl::InternalError(std::string(Message(bytes_offsets.status())));
      }
      offsets = *std::move(bytes_offsets);
    } else {
      const size_t row_bytes = RowElements(output.shape) * DataTypeByteSize(output.datatype);
      if (output.data.size() != row_bytes * total_rows) {
        return absl::InternalError(
            fmt::format("output '{}' holds {} bytes, but its shape {} needs {}", output.name,
                        output.data.size(), ShapeToString(output.shape), row_bytes * total_rows));
      }
      offsets.reserve(total_rows + 1);
      for (int64_t row = 0; row <= total_rows; ++row) offsets.push_back(row * row_bytes);
    }
    int64_t row = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t begin = offsets[row];
      const size_t end = offsets[row + rows[i]];
      Tensor part{.name = output.name,
                  .datatype = output.datatype,
                  .shape = output.shape,
                  .data = Buffer::View(output.data.bytes().subspan(begin, end - begin),
                                       output.data.owner()),
                  .parameters = output.parameters};
      part.shape[0] = rows[i];
      parts[i].push_back(std::move(part));
      row += rows[i];
    }
  }
  return parts;
}

}  // namespace tensord::scheduler

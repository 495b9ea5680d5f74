#include "serving/mlserver_codecs.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fmt/format.h"

namespace tensord {
namespace {

constexpr std::string_view kPythonPlatform = "python";
constexpr std::string_view kPandas = "pd";

std::optional<std::string_view> ContentType(const Parameters& parameters) {
  auto it = parameters.find("content_type");
  if (it == parameters.end()) return std::nullopt;
  if (const auto* text = std::get_if<std::string>(&it->second)) return *text;
  return std::nullopt;
}

bool Accepts(const TensorConfig& expected, DataType type) {
  if (type == expected.datatype) return true;
  for (DataType accepted : expected.accepted_datatypes) {
    if (type == accepted) return true;
  }
  return false;
}

// Reads one element of a numeric column as a double (exact for every type but 64-bit
// integers past 2^53, which float32/float64 inputs cannot hold exactly either).
template <typename T>
double ReadAs(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return static_cast<double>(value);
}

std::optional<double> ReadNumber(DataType type, const std::byte* at) {
  switch (type) {
    case DataType::kBool:
      return std::to_integer<uint8_t>(*at) != 0 ? 1.0 : 0.0;
    case DataType::kUint8:
      return ReadAs<uint8_t>(at);
    case DataType::kUint16:
      return ReadAs<uint16_t>(at);
    case DataType::kUint32:
      return ReadAs<uint32_t>(at);
    case DataType::kUint64:
      return ReadAs<uint64_t>(at);
    case DataType::kInt8:
      return ReadAs<int8_t>(at);
    case DataType::kInt16:
      return ReadAs<int16_t>(at);
    case DataType::kInt32:
      return ReadAs<int32_t>(at);
    case DataType::kInt64:
      return ReadAs<int64_t>(at);
    case DataType::kFp32:
      return ReadAs<float>(at);
    case DataType::kFp64:
      return ReadAs<double>(at);
    default:
      return std::nullopt;  // FP16/BF16/BYTES: no conversion here
  }
}

struct Columns {
  int64_t rows = -1;
  DataType common = DataType::kInvalid;  // kInvalid when the columns' datatypes differ
};

// Every column is [rows] or [rows, 1], holds the data its shape calls for, and has the
// rows of the first column.
absl::StatusOr<Columns> CheckColumns(const std::vector<Tensor>& inputs) {
  Columns columns;
  columns.common = inputs.front().datatype;
  const Tensor* first = nullptr;
  for (const Tensor& column : inputs) {
    const Shape& shape = column.shape;
    if (shape.empty() || shape.size() > 2 || (shape.size() == 2 && shape[1] != 1)) {
      return absl::InvalidArgumentError(fmt::format(
          "column '{}' of the pandas request (content_type 'pd') has shape {}; a column is "
          "[rows] or [rows, 1]",
          column.name, ShapeToString(shape)));
    }
    if (absl::Status data = CheckTensorData(column, "input"); !data.ok()) return data;
    if (first == nullptr) {
      first = &column;
      columns.rows = shape[0];
    } else if (shape[0] != columns.rows) {
      return absl::InvalidArgumentError(
          fmt::format("column '{}' of the pandas request has {} rows, but column '{}' has {}",
                      column.name, shape[0], first->name, columns.rows));
    }
    if (column.datatype != columns.common) columns.common = DataType::kInvalid;
  }
  return columns;
}

// Row-major [rows, columns] from same-typed fixed-size columns.
std::vector<std::byte> InterleaveFixed(const std::vector<Tensor>& inputs, int64_t rows,
                                       size_t element) {
  const size_t width = inputs.size();
  std::vector<std::byte> out(static_cast<size_t>(rows) * width * element);
  for (size_t c = 0; c < width; ++c) {
    const std::byte* from = inputs[c].data.data();
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(out.data() + (static_cast<size_t>(r) * width + c) * element,
                  from + static_cast<size_t>(r) * element, element);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::byte>> InterleaveBytes(const std::vector<Tensor>& inputs,
                                                       int64_t rows) {
  std::vector<std::vector<std::string_view>> split;
  split.reserve(inputs.size());
  for (const Tensor& column : inputs) {
    absl::StatusOr<std::vector<std::string_view>> elements =
        SplitBytesElements(column.data.bytes(), rows);
    if (!elements.ok()) return elements.status();
    split.push_back(*std::move(elements));
  }
  std::vector<std::byte> out;
  for (int64_t r = 0; r < rows; ++r) {
    for (const std::vector<std::string_view>& column : split) {
      AppendBytesElement(out, column[static_cast<size_t>(r)]);
    }
  }
  return out;
}

// Numeric columns of different datatypes, converted to `target` (FP32 or FP64).
absl::StatusOr<std::vector<std::byte>> InterleaveConverted(const std::vector<Tensor>& inputs,
                                                           int64_t rows, DataType target) {
  const size_t width = inputs.size();
  const size_t out_size = DataTypeByteSize(target);
  std::vector<std::byte> out(static_cast<size_t>(rows) * width * out_size);
  for (size_t c = 0; c < width; ++c) {
    const Tensor& column = inputs[c];
    const size_t in_size = DataTypeByteSize(column.datatype);
    for (int64_t r = 0; r < rows; ++r) {
      std::optional<double> value =
          ReadNumber(column.datatype, column.data.data() + static_cast<size_t>(r) * in_size);
      if (!value) {
        return absl::InvalidArgumentError(
            fmt::format("column '{}' of the pandas request has datatype {}, which tensord does not "
                        "convert; send the columns as one datatype",
                        column.name, DataTypeName(column.datatype)));
      }
      std::byte* to = out.data() + (static_cast<size_t>(r) * width + c) * out_size;
      if (target == DataType::kFp32) {
        const float narrow = static_cast<float>(*value);
        std::memcpy(to, &narrow, sizeof narrow);
      } else {
        std::memcpy(to, &*value, sizeof(double));
      }
    }
  }
  return out;
}

absl::Status AdaptPandas(const ModelConfig& config, InferRequest& request) {
  const TensorConfig& expected = config.inputs.front();
  const Shape pattern = FullShape(config, expected);
  std::vector<Tensor>& inputs = request.inputs;
  if (inputs.empty()) return absl::OkStatus();  // validation names the missing input
  // Already the model's tensor (one input of the right shape): nothing to assemble, and
  // its name is the model's input's, as a one-column frame's is for MLServer.
  if (inputs.size() == 1 && ShapeMatches(pattern, inputs.front().shape)) {
    if (!expected.accept_any_name) inputs.front().name = expected.name;
    return absl::OkStatus();
  }
  if (pattern.size() != 2 && !(pattern.size() == 1 && inputs.size() == 1)) {
    return absl::InvalidArgumentError(fmt::format(
        "the pandas request (content_type 'pd') sends {} columns, but model '{}' input '{}' "
        "has shape {}: columns are assembled only into a [rows, columns] input",
        inputs.size(), config.name, expected.name, ShapeToString(pattern)));
  }
  const int64_t width = static_cast<int64_t>(inputs.size());
  if (pattern.size() == 2 && pattern[1] >= 0 && pattern[1] != width) {
    return absl::InvalidArgumentError(fmt::format(
        "the pandas request (content_type 'pd') has {} columns, but model '{}' input '{}' "
        "takes {} ({})",
        width, config.name, expected.name, pattern[1], ShapeToString(pattern)));
  }
  absl::StatusOr<Columns> columns = CheckColumns(inputs);
  if (!columns.ok()) return columns.status();
  for (const Tensor& column : inputs) {
    if (!Accepts(expected, column.datatype)) {
      return absl::InvalidArgumentError(fmt::format(
          "column '{}' of the pandas request has datatype {}, but model '{}' input '{}' "
          "takes {}",
          column.name, DataTypeName(column.datatype), config.name, expected.name,
          DataTypeName(expected.datatype)));
    }
  }
  const int64_t rows = columns->rows;
  DataType datatype = columns->common;
  absl::StatusOr<std::vector<std::byte>> data;
  if (datatype == DataType::kBytes) {
    data = InterleaveBytes(inputs, rows);
  } else if (datatype != DataType::kInvalid) {
    data = InterleaveFixed(inputs, rows, DataTypeByteSize(datatype));
  } else if (expected.datatype == DataType::kFp32 || expected.datatype == DataType::kFp64) {
    datatype = expected.datatype;
    data = InterleaveConverted(inputs, rows, datatype);
  } else {
    return absl::InvalidArgumentError(fmt::format(
        "the columns of the pandas request have different datatypes ('{}' is {}, '{}' is {}), "
        "but model '{}' input '{}' takes {} only",
        inputs.front().name, DataTypeName(inputs.front().datatype), inputs.back().name,
        DataTypeName(inputs.back().datatype), config.name, expected.name,
        DataTypeName(expected.datatype)));
  }
  if (!data.ok()) return data.status();
  Tensor assembled{.name = expected.name,
                   .datatype = datatype,
                   .shape = pattern.size() == 2 ? Shape{rows, width} : Shape{rows},
                   .data = Buffer::FromVector(*std::move(data))};
  inputs.clear();
  inputs.push_back(std::move(assembled));
  return absl::OkStatus();
}

bool IsSingleInputCodec(std::optional<std::string_view> content_type) {
  return content_type == "np" || content_type == "str";
}

void AdaptSingleInput(const ModelConfig& config, InferRequest& request) {
  if (request.inputs.size() != 1) return;
  Tensor& input = request.inputs.front();
  const TensorConfig& expected = config.inputs.front();
  std::optional<std::string_view> content_type = ContentType(input.parameters);
  if (!content_type) content_type = ContentType(request.parameters);
  if (!IsSingleInputCodec(content_type)) return;
  if (input.name != expected.name && !expected.accept_any_name) input.name = expected.name;
  const Shape pattern = FullShape(config, expected);
  if (pattern.size() == 1 && input.shape.size() == 2 && input.shape[1] == 1) {
    input.shape = Shape{input.shape[0]};
  }
}

}  // namespace

absl::Status AdaptMlserverCodecs(const ModelConfig& config, InferRequest& request) {
  if (config.platform == kPythonPlatform || config.inputs.size() != 1) return absl::OkStatus();
  if (ContentType(request.parameters) == kPandas) return AdaptPandas(config, request);
  AdaptSingleInput(config, request);
  return absl::OkStatus();
}

}  // namespace tensord

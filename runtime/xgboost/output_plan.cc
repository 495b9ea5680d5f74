#include "runtime/xgboost/output_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "fmt/format.h"

namespace tensord::runtime::xgboost {
namespace {

bool MultiColumn(const BoosterTraits& traits) { return traits.value_columns > 1; }
bool Softmax(const BoosterTraits& traits) { return traits.objective == "multi:softmax"; }

// Labels as doubles (exact for every label and probability a float can hold).
std::vector<double> Labels(const OutputPlan& plan, const BoosterTraits& traits,
                           const RawPredictions& raw) {
  const int64_t columns = traits.value_columns;
  std::vector<double> out;
  out.reserve(raw.rows * plan.columns);
  for (int64_t r = 0; r < raw.rows; ++r) {
    std::span<const float> row = raw.values.subspan(r * columns, columns);
    if (MultiColumn(traits) && traits.num_classes != 2) {
      // np.argmax: the first of equal maxima.
      out.push_back(static_cast<double>(std::max_element(row.begin(), row.end()) - row.begin()));
    } else if (MultiColumn(traits)) {
      for (float p : row) out.push_back(p > plan.threshold ? 1.0 : 0.0);
    } else if (Softmax(traits)) {
      out.push_back(static_cast<double>(static_cast<int32_t>(row[0])));
    } else {
      out.push_back(row[0] > plan.threshold ? 1.0 : 0.0);
    }
  }
  return out;
}

std::vector<double> Probabilities(const BoosterTraits& traits, const RawPredictions& raw) {
  std::vector<double> out;
  if (Softmax(traits)) {
    const int64_t columns = traits.margin_columns;
    out.reserve(raw.rows * columns);
    for (int64_t r = 0; r < raw.rows; ++r) {
      std::span<const float> row = raw.margins.subspan(r * columns, columns);
      const double top = *std::max_element(row.begin(), row.end());
      double sum = 0;
      for (float m : row) sum += std::exp(m - top);
      // scipy.special.softmax of float32 margins gives float32.
      for (float m : row) out.push_back(static_cast<float>(std::exp(m - top) / sum));
    }
    return out;
  }
  if (MultiColumn(traits)) return {raw.values.begin(), raw.values.end()};
  out.reserve(raw.rows * 2);
  for (int64_t r = 0; r < raw.rows; ++r) {
    const float p = raw.values[r];
    out.push_back(1.0f - p);  // float32 arithmetic, as NumPy does on a float32 array
    out.push_back(p);
  }
  return out;
}

template <typename T>
Buffer Encode(const std::vector<double>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) {
    const T value = static_cast<T>(values[i]);
    std::memcpy(bytes.data() + i * sizeof(T), &value, sizeof(T));
  }
  return Buffer::FromVector(std::move(bytes));
}

}  // namespace

DataType NaturalDatatype(OutputKind kind, const BoosterTraits& traits) {
  switch (kind) {
    case OutputKind::kValue:
    case OutputKind::kProbability:
      return DataType::kFp32;
    case OutputKind::kLabel:
      if (MultiColumn(traits) && traits.num_classes != 2) return DataType::kInt64;
      if (MultiColumn(traits)) return DataType::kFp64;  // np.zeros(...) of 0/1
      if (Softmax(traits)) return DataType::kInt32;     // .astype(np.int32)
      return DataType::kInt64;
  }
  return DataType::kFp32;
}

int64_t OutputColumns(OutputKind kind, const BoosterTraits& traits) {
  switch (kind) {
    case OutputKind::kValue:
      return traits.value_columns;
    case OutputKind::kLabel:
      return MultiColumn(traits) && traits.num_classes == 2 ? traits.value_columns : 1;
    case OutputKind::kProbability:
      if (Softmax(traits)) return traits.margin_columns;
      return MultiColumn(traits) ? traits.value_columns : 2;
  }
  return 1;
}

bool NeedsMargins(OutputKind kind, const BoosterTraits& traits) {
  return kind == OutputKind::kProbability && Softmax(traits);
}

bool IsOutputDatatype(DataType type) {
  return type == DataType::kFp32 || type == DataType::kFp64 || type == DataType::kInt32 ||
         type == DataType::kInt64;
}

absl::StatusOr<Tensor> MakeOutput(const OutputPlan& plan, const BoosterTraits& traits,
                                  const RawPredictions& raw) {
  std::vector<double> values;
  switch (plan.kind) {
    case OutputKind::kValue:
      values.assign(raw.values.begin(), raw.values.end());
      break;
    case OutputKind::kLabel:
      values = Labels(plan, traits, raw);
      break;
    case OutputKind::kProbability:
      values = Probabilities(traits, raw);
      break;
  }
  if (static_cast<int64_t>(values.size()) != raw.rows * plan.columns) {
    return absl::InternalError(fmt::format("output '{}': {} values for {} rows of {} columns",
                                           plan.name, values.size(), raw.rows, plan.columns));
  }
  Tensor tensor{.name = plan.name, .datatype = plan.datatype, .shape = {raw.rows, plan.columns}};
  switch (plan.datatype) {
    case DataType::kFp32:
      tensor.data = Encode<float>(values);
      break;
    case DataType::kFp64:
      tensor.data = Encode<double>(values);
      break;
    case DataType::kInt32:
      tensor.data = Encode<int32_t>(values);
      break;
    case DataType::kInt64:
      tensor.data = Encode<int64_t>(values);
      break;
    default:
      return absl::InternalError(fmt::format("output '{}': cannot produce datatype {}", plan.name,
                                             DataTypeName(plan.datatype)));
  }
  return tensor;
}

}  // namespace tensord::runtime::xgboost

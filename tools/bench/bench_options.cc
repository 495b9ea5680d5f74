#include "tools/bench/bench_options.h"

#include <charconv>
#include <cmath>

#include "fmt/format.h"

namespace tensord::bench {
namespace {

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  while (true) {
    const size_t at = text.find(separator, begin);
    out.push_back(text.substr(begin, at == std::string_view::npos ? at : at - begin));
    if (at == std::string_view::npos) return out;
    begin = at + 1;
  }
}

}  // namespace

std::vector<double> Range::Values() const {
  std::vector<double> out;
  // A small epsilon keeps 0.1-style steps from losing the last value to rounding.
  for (double v = start; v <= end + step * 1e-9; v += step) out.push_back(v);
  return out;
}

absl::StatusOr<Range> ParseRange(std::string_view text, std::string_view flag, bool integers) {
  std::vector<std::string_view> parts = Split(text, ':');
  if (parts.empty() || parts.size() > 3) {
    return absl::InvalidArgumentError(
        fmt::format("{} {}: expected START[:END[:STEP]]", flag, text));
  }
  double values[3] = {0, 0, 1};
  const char* names[3] = {"START", "END", "STEP"};
  for (size_t i = 0; i < parts.size(); ++i) {
    std::optional<double> v = ParseNumber(parts[i]);
    if (!v || *v <= 0 || (integers && std::floor(*v) != *v)) {
      return absl::InvalidArgumentError(fmt::format("{} {}: {} '{}' must be a positive {}", flag,
                                                    text, names[i], parts[i],
                                                    integers ? "integer" : "number"));
    }
    values[i] = *v;
  }
  Range r{.start = values[0], .end = parts.size() > 1 ? values[1] : values[0], .step = values[2]};
  if (r.end < r.start) {
    return absl::InvalidArgumentError(
        fmt::format("{} {}: END {} is below START {}", flag, text, r.end, r.start));
  }
  return r;
}

absl::StatusOr<std::pair<std::string, std::vector<int64_t>>> ParseShapeFlag(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(
        fmt::format("--shape {}: expected NAME:D1,D2,... (e.g. INPUT0:1,16)", text));
  }
  std::vector<int64_t> dims;
  for (std::string_view part : Split(text.substr(colon + 1), ',')) {
    std::optional<double> v = ParseNumber(part);
    if (!v || *v < 0 || std::floor(*v) != *v) {
      return absl::InvalidArgumentError(
          fmt::format("--shape {}: dimension '{}' must be a non-negative integer", text, part));
    }
    dims.push_back(static_cast<int64_t>(*v));
  }
  return std::make_pair(std::string(text.substr(0, colon)), dims);
}

}  // namespace tensord::bench

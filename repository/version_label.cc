#include "repository/version_label.h"

#include <algorithm>
#include <string_view>

namespace tensord {
namespace {

bool IsNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view StripZeros(std::string_view s) {
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  return s;
}

}  // namespace

bool VersionLess::operator()(const std::string& a, const std::string& b) const {
  const bool a_number = IsNumber(a);
  const bool b_number = IsNumber(b);
  if (a_number && b_number) {
    const std::string_view x = StripZeros(a);
    const std::string_view y = StripZeros(b);
    if (x.size() != y.size()) return x.size() < y.size();
    if (x != y) return x < y;
    return a < b;  // "01" and "1": distinct keys, in a fixed order
  }
  if (a_number != b_number) return a_number;  // numbers before names
  return a < b;
}

}  // namespace tensord

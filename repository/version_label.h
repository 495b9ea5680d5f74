// How version labels sort: numerically when both are numbers ("9" < "10"), else as text,
// numbers first. Version folders, the version table and "the highest version" all use it.
//
//   std::map<std::string, Entry, VersionLess> versions;
//   std::sort(labels.begin(), labels.end(), VersionLess());
#pragma once

#include <string>

namespace tensord {

struct VersionLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

}  // namespace tensord

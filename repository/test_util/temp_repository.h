// Helpers for tests that lay out model folders on disk.
//
//   testing::TempFolder folder("tensord_repo");    // a fresh folder, removed at the end
//   folder.Write("mlp/1/model.fake", "input x FP32 4\n");
//   std::vector<std::string> rows = testing::IndexRows(repository);  // "mlp 1 READY"
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "repository/model_repository.h"

namespace tensord::testing {

class TempFolder {
 public:
  explicit TempFolder(std::string_view prefix) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / fmt::format("{}_XXXXXX", prefix)).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` (under the folder), creating the folders on the way.
  void Write(const std::string& relative, std::string_view text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

 private:
  std::filesystem::path path_;
};

// "name version STATE reason" for every row of the repository's index.
inline std::vector<std::string> IndexRows(const ModelRepository& repository) {
  std::vector<std::string> rows;
  for (const ModelVersionStatus& s : repository.Index()) {
    std::string row = fmt::format("{} {} {}", s.name, s.version, ModelStateName(s.state));
    if (!s.reason.empty()) row += " " + s.reason;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace tensord::testing

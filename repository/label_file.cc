#include "repository/label_file.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fmt/format.h"

namespace tensord {

absl::Status LoadLabels(const std::filesystem::path& folder, ModelConfig& config) {
  for (TensorConfig& output : config.outputs) {
    if (output.label_filename.empty()) continue;
    const std::filesystem::path path = folder / output.label_filename;
    const auto fail = [&](std::string_view problem) {
      return absl::InvalidArgumentError(
          fmt::format("output '{}': label_filename '{}': {}", output.name, path.string(), problem));
    };
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return fail("no such file");
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) return fail(ec.message());
    if (size > kMaxLabelFileBytes) {
      return fail(fmt::format("the file has {} bytes; label files are limited to {}", size,
                              kMaxLabelFileBytes));
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) return fail("cannot be opened");
    auto labels = std::make_shared<std::vector<std::string>>();
    for (std::string line; std::getline(file, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();  // written on Windows
      labels->push_back(std::move(line));
    }
    output.labels = std::move(labels);
  }
  return absl::OkStatus();
}

}  // namespace tensord

#include "repository/folder_fingerprint.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "fmt/format.h"

namespace tensord {

namespace fs = std::filesystem;

std::string FolderFingerprint(const fs::path& folder) {
  std::error_code ec;
  std::vector<std::string> lines;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec) return "";
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& path = it->path();
    if (path.filename().string().starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const auto modified = fs::last_write_time(path, ec).time_since_epoch().count();
    const uintmax_t size = it->is_regular_file(ec) ? it->file_size(ec) : 0;
    lines.push_back(
        fmt::format("{} {} {}", fs::relative(path, folder, ec).string(), size, modified));
  }
  std::sort(lines.begin(), lines.end());
  std::string fingerprint;
  for (const std::string& line : lines) fingerprint += line + "\n";
  return fingerprint;
}

}  // namespace tensord

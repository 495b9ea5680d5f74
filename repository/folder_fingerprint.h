// A summary of a model folder's files (names, sizes, modification times), so that polling
// can tell whether a model changed since it was loaded without reading the files.
//
//   std::string before = FolderFingerprint("models/mlp");
//   ...
//   if (FolderFingerprint("models/mlp") != before) { /* reload */ }
//
// Hidden entries (".git", ".ipynb_checkpoints") are skipped, as the repository skips them.
// An unreadable or missing folder gives "".
#pragma once

#include <filesystem>
#include <string>

namespace tensord {

std::string FolderFingerprint(const std::filesystem::path& folder);

}  // namespace tensord

#include "runtime/runtime.h"

namespace tensord::runtime {

void RuntimeRegistry::Register(std::string platform, std::shared_ptr<Runtime> runtime) {
  runtimes_[std::move(platform)] = std::move(runtime);
}

void RuntimeRegistry::AddAlias(std::string alias, std::string platform) {
  aliases_[std::move(alias)] = std::move(platform);
}

void RuntimeRegistry::AddFileExtension(std::string extension, std::string platform) {
  extensions_[std::move(extension)] = std::move(platform);
}

void RuntimeRegistry::SetPythonPathPlatform(std::string platform) {
  python_path_platform_ = std::move(platform);
}

std::string RuntimeRegistry::Canonical(std::string_view platform) const {
  if (runtimes_.find(platform) != runtimes_.end()) return std::string(platform);
  auto alias = aliases_.find(platform);
  if (alias != aliases_.end()) return alias->second;
  if (!python_path_platform_.empty() && IsPythonImportPath(platform)) return python_path_platform_;
  return {};
}

bool IsPythonImportPath(std::string_view name) {
  int parts = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    std::string_view part = name.substr(start, dot - start);
    if (part.empty() || (part[0] >= '0' && part[0] <= '9')) return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_';
      if (!ok) return false;
    }
    ++parts;
    start = dot + 1;
  }
  return parts >= 2;
}

Runtime* RuntimeRegistry::Find(std::string_view platform) const {
  auto it = runtimes_.find(Canonical(platform));
  return it == runtimes_.end() ? nullptr : it->second.get();
}

std::string RuntimeRegistry::PlatformForFile(const std::filesystem::path& file) const {
  auto it = extensions_.find(file.extension().string());
  return it == extensions_.end() ? std::string() : it->second;
}

std::vector<std::string> RuntimeRegistry::Platforms() const {
  std::vector<std::string> names;
  for (const auto& [name, runtime] : runtimes_) names.push_back(name);
  return names;
}

}  // namespace tensord::runtime

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

std::string RuntimeRegistry::Canonical(std::string_view platform) const {
  if (runtimes_.find(platform) != runtimes_.end()) return std::string(platform);
  auto alias = aliases_.find(platform);
  if (alias != aliases_.end()) return alias->second;
  return {};
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

#include "frontend/auth/token_table.h"

#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"

namespace tensord::auth {
namespace {

constexpr std::string_view kSpace = " \t\r";
constexpr std::string_view kCommonNamePrefix = "cn:";

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t at = 0;
  while (true) {
    at = line.find_first_not_of(kSpace, at);
    if (at == std::string_view::npos) break;
    size_t end = line.find_first_of(kSpace, at);
    if (end == std::string_view::npos) end = line.size();
    fields.push_back(line.substr(at, end - at));
    at = end;
  }
  return fields;
}

absl::StatusOr<RoleSet> ParseRoles(std::string_view text, const std::string& where) {
  RoleSet roles = 0;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = text.substr(at, end - at);
    std::optional<Role> role = ParseRole(name);
    if (!role) {
      return absl::InvalidArgumentError(
          fmt::format("{}: unknown role '{}' (roles: infer, admin, metrics)", where, name));
    }
    roles |= RoleBit(*role);
    at = end + 1;
  }
  return roles;
}

}  // namespace

TokenHash HashToken(std::string_view token) {
  TokenHash hash{};
  unsigned int size = 0;
  EVP_Digest(token.data(), token.size(), hash.data(), &size, EVP_sha256(), nullptr);
  return hash;
}

std::optional<RoleSet> TokenTable::RolesOfToken(std::string_view token) const {
  const TokenHash hash = HashToken(token);
  RoleSet found = 0;
  bool matched = false;
  for (const Entry& entry : tokens_) {
    // Every entry is compared whatever matched before: the time taken does not depend on
    // which token (if any) matched.
    const bool equal = CRYPTO_memcmp(entry.hash.data(), hash.data(), hash.size()) == 0;
    found |= static_cast<RoleSet>(equal ? entry.roles : 0);
    matched |= equal;
  }
  if (!matched) return std::nullopt;
  return found;
}

std::optional<RoleSet> TokenTable::RolesOfCommonName(std::string_view common_name) const {
  auto it = common_names_.find(std::string(common_name));
  if (it == common_names_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<TokenTable> ParseTokenTable(std::string_view text, std::string_view name) {
  TokenTable table;
  std::vector<std::pair<TokenHash, int>> seen;  // hash, line
  int line_number = 0;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++line_number;
    const std::vector<std::string_view> fields = Fields(line);
    if (fields.empty() || fields[0].starts_with('#')) continue;
    const std::string where = fmt::format("auth tokens file '{}' line {}", name, line_number);
    // A trailing comment is allowed after the two fields.
    size_t count = fields.size();
    for (size_t i = 1; i < fields.size(); ++i) {
      if (fields[i].starts_with('#')) {
        count = i;
        break;
      }
    }
    if (count != 2) {
      return absl::InvalidArgumentError(
          fmt::format("{}: expected '<token> <role>[,<role>...]' or 'cn:<name> <role>[,...]', "
                      "got {} field{}",
                      where, count, count == 1 ? "" : "s"));
    }
    absl::StatusOr<RoleSet> roles = ParseRoles(fields[1], where);
    if (!roles.ok()) return roles.status();
    if (fields[0].starts_with(kCommonNamePrefix)) {
      const std::string common_name(fields[0].substr(kCommonNamePrefix.size()));
      if (common_name.empty()) {
        return absl::InvalidArgumentError(fmt::format("{}: 'cn:' needs a name", where));
      }
      if (!table.common_names_.emplace(common_name, *roles).second) {
        return absl::InvalidArgumentError(
            fmt::format("{}: common name '{}' is listed twice", where, common_name));
      }
      continue;
    }
    if (fields[0].size() < kMinTokenLength) {
      return absl::InvalidArgumentError(
          fmt::format("{}: a token must be at least {} characters long", where, kMinTokenLength));
    }
    const TokenHash hash = HashToken(fields[0]);
    for (const auto& [other, other_line] : seen) {
      if (other == hash) {
        return absl::InvalidArgumentError(
            fmt::format("{}: the same token as on line {}", where, other_line));
      }
    }
    seen.emplace_back(hash, line_number);
    table.tokens_.push_back({.hash = hash, .roles = *roles});
  }
  if (table.tokens_.empty() && table.common_names_.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("auth tokens file '{}' lists no token and no 'cn:' name", name));
  }
  return table;
}

absl::StatusOr<TokenTable> LoadTokenTable(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(fmt::format("cannot read auth tokens file '{}'", path));
  }
  std::ostringstream text;
  text << file.rdbuf();
  return ParseTokenTable(text.str(), path);
}

}  // namespace tensord::auth

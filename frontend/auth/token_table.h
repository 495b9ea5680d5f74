// The --auth-tokens file: bearer tokens and mTLS client-certificate names, each with roles.
// Tokens are kept only as SHA-256 hashes and compared in constant time.
//
//   # comment lines and blank lines are ignored
//   3f9c0d7e2a1b4c5d6e7f8091a2b3c4d5   infer
//   b7e1c2d3e4f5061728394a5b6c7d8e9f   admin
//   9a8b7c6d5e4f30211f2e3d4c5b6a7988   metrics,infer
//   cn:scraper.internal                metrics      # a client certificate's subject CN
//
//   absl::StatusOr<TokenTable> table = ParseTokenTable(text, "tokens.txt");
//   std::optional<RoleSet> roles = table->RolesOfToken("3f9c...");   // nullopt: unknown
//
// Each line is `<token> <role>[,<role>...]` or `cn:<common name> <role>[,...]`. A token is
// at least 16 characters with no white space; it is never written into a message or a log.
// Errors (InvalidArgument) name the file and the line. Immutable once built: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "frontend/auth/auth_policy.h"

namespace tensord::auth {

inline constexpr size_t kMinTokenLength = 16;

using TokenHash = std::array<uint8_t, 32>;  // SHA-256
TokenHash HashToken(std::string_view token);

class TokenTable {
 public:
  // Roles of the token; compares against every entry in constant time (no early exit).
  std::optional<RoleSet> RolesOfToken(std::string_view token) const;
  // Roles of a client certificate's subject common name (not secret: a plain lookup).
  std::optional<RoleSet> RolesOfCommonName(std::string_view common_name) const;
  size_t token_count() const { return tokens_.size(); }
  size_t common_name_count() const { return common_names_.size(); }

 private:
  friend absl::StatusOr<TokenTable> ParseTokenTable(std::string_view, std::string_view);
  struct Entry {
    TokenHash hash;
    RoleSet roles;
  };
  std::vector<Entry> tokens_;
  std::unordered_map<std::string, RoleSet> common_names_;
};

// `name` is what messages call the file (its path).
absl::StatusOr<TokenTable> ParseTokenTable(std::string_view text, std::string_view name);
// Reads and parses `path`; NotFound / InvalidArgument naming the file.
absl::StatusOr<TokenTable> LoadTokenTable(const std::string& path);

}  // namespace tensord::auth

// The console's static files (console.html, console.js, console.css in this folder),
// compiled into the binary by embed_assets.cmake: the page needs nothing from the network
// and nothing from the disk at run time.
//
//   std::optional<ConsoleAsset> page = FindConsoleAsset("console.html");
//   reply(200, page->body, page->content_type);
//
// The data are static: thread-safe, and the views live as long as the program.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace tensord::http {

struct ConsoleAsset {
  std::string_view name;          // "console.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// nullopt for a name that is not one of ConsoleAssetNames().
std::optional<ConsoleAsset> FindConsoleAsset(std::string_view name);
// Every embedded file's name, for the message of a 404.
std::vector<std::string_view> ConsoleAssetNames();

}  // namespace tensord::http

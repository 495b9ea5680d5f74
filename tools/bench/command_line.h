// tensord-bench's command line (CLI11), turned into BenchOptions / SaturateOptions.
//
//   absl::StatusOr<Command> c = ParseCommandLine({"-m", "add_sub", "--concurrency-range", "1:4"});
//   if (!c.ok()) { print c.status().message(); exit 2; }
//   if (c->kind == Command::Kind::kHelp) { print c->text; exit 0; }
//
// Every bad flag is an InvalidArgument whose message names the flag.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/bench_options.h"

namespace tensord::bench {

struct Command {
  enum class Kind { kRun, kSaturate, kHelp };
  Kind kind = Kind::kRun;
  BenchOptions bench;
  SaturateOptions saturate;
  std::string text;  // kHelp: the help to print
};

// `args` excludes the program name.
absl::StatusOr<Command> ParseCommandLine(const std::vector<std::string>& args);

}  // namespace tensord::bench

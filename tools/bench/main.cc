// tensord-bench: flags → command; see command_line.cc for the help text, README.md for use.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "tools/bench/command_line.h"
#include "tools/bench/run_bench.h"
#include "tools/bench/saturate.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<tensord::bench::Command> command = tensord::bench::ParseCommandLine(args);
  if (!command.ok()) {
    std::fprintf(stderr, "tensord-bench: %s\nRun with --help for more information.\n",
                 std::string(command.status().message()).c_str());
    return 2;
  }
  absl::Status status;
  switch (command->kind) {
    case tensord::bench::Command::Kind::kHelp:
      std::cout << command->text;
      return 0;
    case tensord::bench::Command::Kind::kRun:
      status = tensord::bench::RunBench(command->bench, std::cout).status();
      break;
    case tensord::bench::Command::Kind::kSaturate:
      status = tensord::bench::RunSaturate(command->bench, command->saturate, std::cout);
      break;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "tensord-bench: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

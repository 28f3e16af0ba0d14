// magnumctl, the native command-line client of Magnum: entry point and the seams it runs
// through (environment, files, terminal, HTTP, time), so that tests can drive whole
// commands without a process. Run() is not thread-safe (one command line at a time).
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "magnum/common/http_client.h"
#include "magnum/ctl/args.h"
#include "magnum/ctl/settings.h"

namespace magnum::ctl {

struct Environment {
  EnvLookup env;
  FileReader read_file;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool stderr_is_tty = false;
  int terminal_width = 80;
  HttpClient* http = nullptr;  // not owned
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::steady_clock::time_point()> now;
};

// The process's own: getenv, the file system, std::cout/std::cerr, isatty(2), the
// terminal's width (TIOCGWINSZ, else $COLUMNS, else 80), real sleeps. `http` is kept.
Environment ProcessEnvironment(HttpClient* http);

// Runs one command line (argv without the program name). Returns the exit code: 0 on
// success, 1 when the API refuses or a waited-for operation fails, 2 on a usage error;
// container-execute returns the command's own exit code.
int Run(const std::vector<std::string>& args, Environment& env);

// The grammar (commands.cc), for help and completion.
const std::vector<OptionSpec>& GlobalOptions();
const std::vector<CommandSpec>& Commands();

// `magnumctl completion bash`: a bash completion script for every command and option.
std::string BashCompletionScript(const std::vector<OptionSpec>& globals,
                                 const std::vector<CommandSpec>& commands);

}  // namespace magnum::ctl

// The process's own Environment (ctl.h): getenv, files, std streams, the terminal.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "magnum/ctl/ctl.h"

namespace magnum::ctl {

Environment ProcessEnvironment(HttpClient* http) {
  Environment env;
  env.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  env.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return s.str();
  };
  env.out = &std::cout;
  env.err = &std::cerr;
  env.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;
  env.terminal_width = 80;
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    env.terminal_width = ws.ws_col;
  } else if (const char* cols = std::getenv("COLUMNS"); cols != nullptr && std::atoi(cols) > 0) {
    env.terminal_width = std::atoi(cols);
  }
  env.http = http;
  env.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  env.now = [] { return std::chrono::steady_clock::now(); };
  return env;
}

}  // namespace magnum::ctl

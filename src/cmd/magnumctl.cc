// magnumctl: the native command-line client of Magnum (docs/cli.md).
#include <string>
#include <vector>

#include "magnum/ctl/ctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  magnum::ctl::Environment env = magnum::ctl::ProcessEnvironment(nullptr);
  return magnum::ctl::Run(args, env);
}

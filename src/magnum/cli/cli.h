// Process plumbing shared by the binaries in src/cmd/: arguments, logging, signals.
#pragma once

#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/config/config.h"

namespace magnum::cli {

struct CommonArgs {
  std::vector<std::string> config_files;
  config::Config config;
};

// Parses --config-file (repeatable), --help and --version, loads the configuration and
// logs its warnings. On --help/--version or an error, returns an exit code in `exit_code`
// (and the caller exits with it).
bool ParseArgs(int argc, char** argv, const std::string& program, const std::string& summary,
               CommonArgs* out, int* exit_code);

// Sets up spdlog (level from [DEFAULT] debug, file from [DEFAULT] log_file).
void SetupLogging(const config::Config& config, const std::string& program);

// Blocks SIGTERM/SIGINT/SIGHUP in the calling thread (call before starting threads, so
// every thread inherits the mask), then WaitForSignal() returns the signal received.
void BlockTerminationSignals();
int WaitForSignal();

}  // namespace magnum::cli

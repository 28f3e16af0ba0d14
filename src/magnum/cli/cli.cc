#include "magnum/cli/cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

namespace magnum::cli {

bool ParseArgs(int argc, char** argv, const std::string& program, const std::string& summary,
               CommonArgs* out, int* exit_code) {
  CLI::App app{summary, program};
  app.add_option("--config-file", out->config_files,
                 "Path to a config file (oslo INI format); may be repeated, later files "
                 "override earlier ones");
  app.set_version_flag("--version", "magnum 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    *exit_code = app.exit(e);
    return false;
  }
  auto cfg = config::Load(out->config_files);
  if (!cfg) {
    std::cerr << program << ": " << cfg.error().message() << "\n";
    *exit_code = 2;
    return false;
  }
  out->config = std::move(*cfg);
  return true;
}

void SetupLogging(const config::Config& config, const std::string& program) {
  std::shared_ptr<spdlog::logger> logger;
  if (!config.log_file.empty()) {
    logger = spdlog::basic_logger_mt(program, config.log_file);
  } else {
    logger = spdlog::stderr_color_mt(program);
  }
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %t %^%l%$ %n: %v");
  logger->set_level(config.debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  for (const auto& w : config.warnings) spdlog::warn("{}", w);
}

namespace {
sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int WaitForSignal() {
  sigset_t set = TerminationSet();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace magnum::cli

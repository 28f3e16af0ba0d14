#include "magnum/cli/cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <chrono>
#include <csignal>
#include <iostream>

namespace magnum::cli {
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
  // Warnings and errors reach the file at once; info lines (the access log: one per request)
  // are written in batches, at least every second and when the process exits, instead of
  // one write(2) each.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  {
    // The flusher thread must not take the termination signals WaitForSignal waits for.
    sigset_t set = TerminationSet(), old;
    pthread_sigmask(SIG_BLOCK, &set, &old);
    spdlog::flush_every(std::chrono::seconds(1));
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  for (const auto& w : config.warnings) spdlog::warn("{}", w);
}

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

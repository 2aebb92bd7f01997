// ackd: the acknowledging daemon. main() only parses the command line,
// loads the config and hands it to the Supervisor; it knows no service.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "daemon/config/config.h"
#include "daemon/log/logging.h"
#include "daemon/master/listen_fds.h"
#include "daemon/master/supervisor.h"
#include "version.h"

namespace {

constexpr const char* kDefaultConfigPath = "/etc/ackd/ackd.conf";
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 78;  // EX_CONFIG (sysexits.h)

struct Options {
  std::string config_path;
  bool check_config = false;
  std::vector<std::string> argv;  // to exec ourselves again on USR2
};

// --config as given; else the default path if it exists; else the embedded default.
ackd::Config load(const Options& options) {
  if (!options.config_path.empty()) return ackd::load_config(options.config_path);
  struct stat st {};
  if (stat(kDefaultConfigPath, &st) == 0) return ackd::load_config(kDefaultConfigPath);
  return ackd::default_config();
}

int run(const Options& options) {
  // First, before any fd of ours can take the numbers 3, 4, ...: a
  // LISTEN_FDS larger than what was passed must find them closed.
  std::vector<ackd::PassedSocket> passed;
  std::string passed_error;
  try {
    passed = ackd::take_passed_sockets();
  } catch (const std::exception& e) {
    passed_error = e.what();
  }
  ackd::Config config;
  try {
    config = load(options);
  } catch (const ackd::ConfigError& e) {
    for (const std::string& problem : e.problems()) std::cerr << "ackd: " << problem << "\n";
    return kExitConfig;
  }
  if (options.check_config) {
    std::cout << "ackd: configuration " << config.source << " is valid\n";
    return 0;
  }
  try {
    ackd::init_logging("master", config.daemon);
    if (!passed_error.empty()) throw std::runtime_error(passed_error);
    std::string reload_path = config.source == "(embedded default)" ? "" : config.source;
    ackd::Supervisor supervisor(std::move(config), reload_path, options.argv);
    supervisor.start(std::move(passed));
    return supervisor.run();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return kExitFailure;
  }
}

}  // namespace

// What escapes (CLI11's setup, run()) is a bug: terminating is right.
// NOLINTNEXTLINE(bugprone-exception-escape)
int main(int argc, char** argv) {
  // Named here: CLI11 would otherwise show argv[0], the path ackd was run by.
  CLI::App app{"ackd: acknowledges every message it receives over TCP, UDP and unix sockets",
               "ackd"};
  Options options;
  options.argv.assign(argv, argv + argc);
  app.add_option("-c,--config", options.config_path,
                 std::string("configuration file (default: ") + kDefaultConfigPath +
                     ", or the embedded default if it does not exist)")
      ->check([](const std::string& path) { return path.empty() ? "an empty path" : ""; });
  app.add_flag("-t,--check-config", options.check_config,
               "validate the configuration, print errors as file:line:column, and exit");
  app.set_version_flag("-v,--version", std::string("ackd ") + ackd::kVersion);
  app.footer(
      "Signals: TERM/INT stop gracefully. Exit status: 0 ok, 1 cannot start, 2 usage, "
      "78 invalid configuration.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  return run(options);
}

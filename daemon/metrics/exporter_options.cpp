#include "daemon/metrics/exporter_options.h"

#include <CLI/CLI.hpp>

namespace ackd {
namespace {

void add_options(CLI::App& app, ExporterOptions& o) {
  app.add_option("--listen-fd", o.listen_fd)->required();
  app.add_option("--scoreboard-fd", o.scoreboard_fd)->required();
  app.add_option("--entry", o.entry)->required();
  app.add_option("--master-pid", o.master_pid)->required();
  app.add_option("--allow", o.allow);
  app.add_option("--spool", o.spool);
  app.add_flag("--spool-fsync", o.spool_fsync);
  app.add_flag("--replication", o.replication);
  app.add_option("--log-level", o.log_level);
  app.add_option("--log-target", o.log_target);
  app.add_option("--generation", o.generation);
  app.add_option("--started", o.started);
  app.add_option("--mode", o.mode);
}

}  // namespace

std::vector<std::string> ExporterOptions::to_argv(const std::string& program) const {
  std::vector<std::string> argv = {program,
                                   "--listen-fd",
                                   std::to_string(listen_fd),
                                   "--scoreboard-fd",
                                   std::to_string(scoreboard_fd),
                                   "--entry",
                                   std::to_string(entry),
                                   "--master-pid",
                                   std::to_string(master_pid),
                                   "--log-level",
                                   log_level,
                                   "--log-target",
                                   log_target,
                                   "--generation",
                                   std::to_string(generation),
                                   "--started",
                                   std::to_string(started),
                                   "--mode",
                                   mode};
  for (const std::string& block : allow) argv.insert(argv.end(), {"--allow", block});
  if (!spool.empty()) argv.insert(argv.end(), {"--spool", spool});
  if (spool_fsync) argv.emplace_back("--spool-fsync");
  if (replication) argv.emplace_back("--replication");
  return argv;
}

ExporterOptions parse_exporter_options(const std::vector<std::string>& argv) {
  ExporterOptions options;
  CLI::App app{"ackd-metrics: ackd's Prometheus exporter, run by the ackd master", "ackd-metrics"};
  add_options(app, options);
  std::vector<std::string> reversed(argv.rbegin(), argv.rend() - 1);  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw std::invalid_argument(std::string(e.what()) +
                                " (ackd-metrics is run by the ackd master, not by hand)");
  }
  return options;
}

}  // namespace ackd

// ackctl: the command-line client of ackd. main() only wires the subcommands
// (each a setup_x/run_x pair in its own file) and turns failures into one
// line on stderr and an exit code (client/exit_codes.h).
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "client/bench.h"
#include "client/client_error.h"
#include "client/control.h"
#include "client/exit_codes.h"
#include "client/send.h"
#include "client/spool_command.h"
#include "client/top.h"
#include "version.h"

namespace {

// CLI11's parse errors (its codes 100+) become our usage error, in one line.
int report_usage_error(const CLI::ParseError& error) {
  std::cerr << "ackctl: " << error.what() << " (see ackctl --help)" << std::endl;
  return ackd::client::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout or socket is an error, not a death
  CLI::App app("Client of ackd: sends messages to a server and prints its acks.", "ackctl");
  app.set_version_flag("--version", std::string("ackctl ") + ackd::kVersion);
  app.require_subcommand(1);
  app.footer(ackd::client::kExitCodesOverview);
  ackd::client::setup_send(app);
  ackd::client::setup_control(app);
  ackd::client::setup_top(app);
  ackd::client::setup_bench(app);
  ackd::client::setup_spool(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {  // a subcommand's own exit code
    return e.get_exit_code();
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_usage_error(e);
  } catch (const std::exception& e) {
    return ackd::client::report_error(e);
  }
  return ackd::client::kExitOk;
}

// ackctl status | reload | upgrade | stop: requests to the daemon's control socket
// (`[daemon] control_socket`, default /run/ackd/control.sock). The daemon
// renders the status itself, as a table or as JSON; ackctl prints it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ackd::client {

// ackctl upgrade's default deadline: the daemon gives the new master 30 s.
inline constexpr const char* kUpgradeTimeout = "45s";

struct ControlOptions {
  std::string socket = "/run/ackd/control.sock";
  std::string timeout = "5s";
  bool json = false;
};

void setup_control(CLI::App& app);
// Sends `request` and returns the daemon's reply; throws ClientError (with
// kExitProtocol if the socket closes without a reply).
std::string run_control(const ControlOptions& options, const std::string& request);

}  // namespace ackd::client

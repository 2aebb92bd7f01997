#include "client/control.h"

#include <poll.h>
#include <sys/socket.h>

#include <iostream>
#include <memory>

#include "client/client_error.h"
#include "client/connect.h"
#include "client/deadline.h"
#include "client/exit_codes.h"
#include "client/flush_stdout.h"

namespace ackd::client {
namespace {

// A daemon that refuses the caller answers before it reads: the send may
// then fail (EPIPE), and the reply that says why is read all the same.
void send_request(int fd, const std::string& line, const SocketAddress& peer) {
  size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) return;
    if (n < 0) throw_socket_error("send", peer, errno);
    sent += static_cast<size_t>(n);
  }
}

std::string read_reply(int fd, const Deadline& deadline) {
  std::string reply;
  char buffer[16384];
  while (true) {
    if (poll_until(fd, POLLIN, deadline) == 0) {
      throw ClientError(kExitTimeout, "no reply from the control socket within " +
                                          format_duration(deadline.budget()));
    }
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return reply;
    reply.append(buffer, static_cast<size_t>(n));
  }
}

// `success`: what exit status 0 means for this command.
CLI::App* add_command(CLI::App& app, const char* name, const char* help, const char* success,
                      const std::shared_ptr<ControlOptions>& options) {
  CLI::App* command = app.add_subcommand(name, help);
  command->add_option("--socket", options->socket, "The daemon's control socket")
      ->type_name("PATH")
      ->capture_default_str();
  command->add_option("--timeout", options->timeout, "Deadline for the reply")
      ->type_name("DURATION")
      ->capture_default_str();
  command->footer(control_exit_codes_help(success));
  return command;
}

// "ERR reload failed...": the first line, then the reasons indented.
std::string failure_text(const std::string& reply) {
  std::string text = reply.substr(4);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 3)) {
    text.insert(at + 1, "  ");
  }
  return text;
}

// Runs `request` and prints the reply. A reload or an upgrade the daemon
// could not do fails (1) with its reasons; any other "ERR ..." reply is a
// protocol error.
void run_and_print(const ControlOptions& options, const std::string& request) {
  std::string reply = run_control(options, request);
  if (reply.rfind("ERR reload failed", 0) == 0 || reply.rfind("ERR upgrade failed", 0) == 0)
    throw ClientError(kExitFailure, failure_text(reply));
  if (reply.rfind("ERR ", 0) == 0) {
    throw ClientError(kExitProtocol, "daemon replied: " + reply.substr(0, reply.find('\n')));
  }
  std::cout << reply;
  flush_stdout();
}

}  // namespace

std::string run_control(const ControlOptions& options, const std::string& request) {
  Duration timeout;
  try {
    timeout = parse_positive_duration("--timeout", options.timeout);
  } catch (const std::invalid_argument& e) {
    throw ClientError(kExitUsage, e.what());
  }
  Deadline deadline(timeout);
  SocketAddress address;
  try {
    address = SocketAddress::unix_path(options.socket);
  } catch (const std::invalid_argument& e) {
    throw ClientError(kExitUsage, std::string("--socket: ") + e.what());
  }
  Connection connection = connect_stream({address}, deadline);
  send_request(connection.fd.get(), request + "\n", address);
  std::string reply = read_reply(connection.fd.get(), deadline);
  // ackd answers every request, even one it refuses: silence is not a yes.
  if (reply.empty()) throw ClientError(kExitProtocol, options.socket + ": closed without a reply");
  return reply;
}

void setup_control(CLI::App& app) {
  auto options = std::make_shared<ControlOptions>();
  CLI::App* status = add_command(app, "status", "Show the daemon's listeners and workers",
                                 "the status was printed", options);
  status->add_flag("--json", options->json, "Print JSON (one object) for scripts");
  status->callback(
      [options] { run_and_print(*options, options->json ? "status json" : "status"); });
  add_command(app, "reload",
              "Reload the daemon's configuration (like SIGHUP) and report the outcome",
              "the daemon reloaded (1 when it could not: its reasons on stderr)", options)
      ->callback([options] { run_and_print(*options, "reload"); });
  add_command(app, "stop", "Stop the daemon gracefully (like SIGTERM)", "the daemon is stopping",
              options)
      ->callback([options] { run_and_print(*options, "stop"); });
  // The new master has 30 s to be ready: the default deadline leaves it that.
  auto upgrade_options = std::make_shared<ControlOptions>();
  upgrade_options->timeout = kUpgradeTimeout;
  add_command(app, "upgrade",
              "Replace the daemon's binary with the one on disk, refusing no connection (like "
              "SIGUSR2), and report the outcome",
              "the new master serves (1 when the upgrade failed: why on stderr; the old master "
              "serves on)",
              upgrade_options)
      ->callback([upgrade_options] { run_and_print(*upgrade_options, "upgrade"); });
}

}  // namespace ackd::client

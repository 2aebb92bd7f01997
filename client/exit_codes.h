// ackctl's exit status: distinct codes so scripts and health checks can tell
// a refused connection from a timeout, an unknown host or a bad server.
#pragma once

#include <string>
#include <string_view>

namespace ackd::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // any other error
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitRefused = 3;      // connection refused, unix socket missing
inline constexpr int kExitTimeout = 4;      // no connection or no ack within --timeout
inline constexpr int kExitUnknownHost = 5;  // the host name does not resolve
inline constexpr int kExitProtocol = 6;     // ERR ack, or closed/reset before every ack

// The --help footers: each command lists the codes it returns, in its own
// terms; ackctl --help gives the overview.
inline constexpr const char* kExitCodesOverview =
    "Exit status (each command's --help says what its codes mean):\n"
    "  0  success\n"
    "  1  other error\n"
    "  2  usage error\n"
    "  3  connection refused (or no such unix socket)\n"
    "  4  timed out\n"
    "  5  unknown host\n"
    "  6  protocol error (the server refused or closed early; a spool fails verification)";

inline constexpr const char* kSendExitCodesHelp =
    "Exit status:\n"
    "  0  every message was acknowledged\n"
    "  1  other error\n"
    "  2  usage error\n"
    "  3  connection refused (or no such unix socket)\n"
    "  4  timed out (no connection or no ack within --timeout)\n"
    "  5  unknown host\n"
    "  6  protocol error (an ERR ack, or the server closed before every ack)";

// status, reload and stop; `success` says what 0 means for the command.
inline std::string control_exit_codes_help(std::string_view success) {
  return "Exit status:\n  0  " + std::string(success) +
         "\n"
         "  1  other error (no permission on the control socket, for one)\n"
         "  2  usage error\n"
         "  3  no daemon: connection refused, or no such control socket\n"
         "  4  no reply within --timeout\n"
         "  6  the daemon refused the request (an ERR reply) or closed without a reply";
}

inline constexpr const char* kSpoolExitCodesHelp =
    "Exit status:\n"
    "  0  every record was read and verified\n"
    "  1  the spool cannot be read (no such directory, no permission), or other error\n"
    "  2  usage error\n"
    "  6  a segment fails verification (a corrupt or torn record)";

}  // namespace ackd::client

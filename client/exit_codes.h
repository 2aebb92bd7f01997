// ackctl's exit status: distinct codes so scripts and health checks can tell
// a refused connection from a timeout, an unknown host or a bad server.
#pragma once

namespace ackd::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // any other error
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitRefused = 3;      // connection refused, unix socket missing
inline constexpr int kExitTimeout = 4;      // no connection or no ack within --timeout
inline constexpr int kExitUnknownHost = 5;  // the host name does not resolve
inline constexpr int kExitProtocol = 6;     // ERR ack, or closed/reset before every ack

// The --help footer of every command.
inline constexpr const char* kExitCodesHelp =
    "Exit status:\n"
    "  0  every message was acknowledged\n"
    "  1  other error\n"
    "  2  usage error\n"
    "  3  connection refused (or no such unix socket)\n"
    "  4  timed out (no connection or no ack within --timeout)\n"
    "  5  unknown host\n"
    "  6  protocol error (an ERR ack, or the server closed before every ack)";

}  // namespace ackd::client

// How ackctl shows an ack: on stdout, one per line; an "ERR ..." ack is the
// server refusing the message, reported as a protocol error.
#pragma once

#include <string_view>

namespace ackd::client {

// True for a server error line ("ERR message too long").
bool is_error_ack(std::string_view ack);

// Prints `ack` and an LF on stdout, flushed. Throws
// ClientError(kExitProtocol, "server error: ERR ...") for an error ack, and
// ClientError(kExitFailure, "write error: ...") if stdout fails.
void print_ack(std::string_view ack);

}  // namespace ackd::client

// How ackctl shows a server's reply: on stdout, one per line, as it is; an
// "ERR ..." reply is the server refusing the message, reported as a
// protocol error, unless it is the message itself coming back (an echo).
#pragma once

#include <string_view>

namespace ackd::client {

// True for a server error line ("ERR message too long") that is not the
// echo of `sent`, the message it answers.
bool is_error_reply(std::string_view reply, std::string_view sent);

// Prints `reply` and an LF on stdout, flushed. Throws
// ClientError(kExitProtocol, "server error: ERR ...") for an error reply,
// and ClientError(kExitFailure, "write error: ...") if stdout fails.
void print_reply(std::string_view reply, std::string_view sent);

}  // namespace ackd::client

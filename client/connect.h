// Connecting ackctl's sockets: every fd CLOEXEC and non-blocking, every wait
// bounded by the deadline. Failures throw ClientError with the exit code for
// refused (also a missing unix socket), timeout or other errors.
#pragma once

#include <vector>

#include "client/deadline.h"
#include "common/socket_address.h"
#include "common/unique_fd.h"

namespace ackd::client {

struct Connection {
  UniqueFd fd;
  SocketAddress peer;
};

// A stream connection to the first of `addresses` that accepts, trying each
// in order (a name may resolve to IPv6 and IPv4 addresses).
Connection connect_stream(const std::vector<SocketAddress>& addresses, const Deadline& deadline);

// A datagram socket connect()ed to `address`, so that only the server's
// replies arrive and a refusal (ICMP port unreachable) surfaces as
// ECONNREFUSED. A unix datagram socket is first autobound to an abstract
// address so that the server can reply.
UniqueFd connect_datagram(const SocketAddress& address);

// The ClientError for a failed connect/send to `peer`, by errno.
[[noreturn]] void throw_socket_error(const char* call, const SocketAddress& peer, int err);

}  // namespace ackd::client

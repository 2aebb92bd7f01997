// Socket helpers for tests: whether a port is bound (read from /proc, never by
// connecting, since a tutorial server accepts only one connection), and small
// blocking client helpers. Errors throw std::system_error or
// std::runtime_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace ackd::test {

// True if some TCP socket listens on `port` (any address, IPv4 or IPv6).
bool tcp_port_listening(uint16_t port);
// True if the listener on `port` holds a connection half-way (SYN_RECV):
// with TCP_DEFER_ACCEPT, one whose client has not written yet.
bool tcp_handshake_held(uint16_t port);

// True if some UDP socket is bound to `port` (any address, IPv4 or IPv6).
bool udp_port_bound(uint16_t port);

// True once the peer of the loopback TCP connection `fd` has read all we
// sent: none of it is unacknowledged in our send queue, and none is left
// unread in the peer's receive queue (read from /proc/net/tcp).
bool tcp_peer_read_all(int fd);

// A blocking, CLOEXEC TCP connection to 127.0.0.1:port.
UniqueFd connect_tcp(uint16_t port);

// A blocking, CLOEXEC unix stream connection to `path`.
UniqueFd connect_unix(const std::string& path);

// Writes all of `data` (no SIGPIPE).
void send_all(int fd, std::string_view data);

// Reads until EOF or `timeout`; returns what was read. Throws
// std::runtime_error with "reset" in its text on ECONNRESET.
std::string read_until_eof(int fd, std::chrono::milliseconds timeout);

// Reads up to LF (excluded), EOF or `timeout`; returns what was read. Reads
// byte by byte so nothing after the LF is consumed.
std::string read_line(int fd, std::chrono::milliseconds timeout);

}  // namespace ackd::test

// Clients from another source address: sockets bound to an address of
// 127/8 other than 127.0.0.1 (127.0.0.2, ...), for the tests of allow and
// deny lists, per-source limits and PROXY trust. Errors throw
// std::system_error or std::runtime_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/unique_fd.h"

namespace ackd::test {

// A socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound to `source`, any port.
UniqueFd socket_from(const char* source, int type);
// A TCP connection from `source` to 127.0.0.1:port.
UniqueFd tcp_from(const char* source, uint16_t port);
// A UDP socket bound to `source`, connected to 127.0.0.1:port.
UniqueFd udp_from(const char* source, uint16_t port);

// Everything the server sends before it closes ("" if it resets).
std::string read_rest(int fd);
// One message (a line is made of it) from `source` on a fresh connection,
// then a half-close; the whole answer.
std::string tcp_exchange_from(const char* source, uint16_t port, const std::string& message);
// The next reply datagram on `fd`, "" if none comes within `timeout`.
std::string udp_reply(int fd, std::chrono::milliseconds timeout);

}  // namespace ackd::test

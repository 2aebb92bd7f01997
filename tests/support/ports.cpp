#include "tests/support/ports.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "common/syscall.h"
#include "common/unique_fd.h"

namespace ackd::test {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

// Binds a fresh socket of `type` to 127.0.0.1:port; returns it, or an invalid
// fd if the port is taken.
UniqueFd bind_loopback(int type, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", "");
  sockaddr_in address = loopback(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno == EADDRINUSE) return UniqueFd();
    throw_errno("bind", "127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw_errno("getsockname", "");
  }
  return ntohs(address.sin_port);
}

}  // namespace

uint16_t free_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    UniqueFd tcp = bind_loopback(SOCK_STREAM, 0);  // the kernel picks a free TCP port
    uint16_t port = bound_port(tcp.get());
    if (bind_loopback(SOCK_DGRAM, port)) return port;  // free for UDP too
  }
  throw_errno("free_port", "127.0.0.1", EADDRINUSE);
}

}  // namespace ackd::test

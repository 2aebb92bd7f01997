#include "tests/support/from_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>

#include "common/syscall.h"
#include "tests/support/net.h"

namespace ackd::test {
namespace {

sockaddr_in inet4(const char* address, uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  if (inet_pton(AF_INET, address, &in.sin_addr) != 1) throw std::runtime_error(address);
  return in;
}

UniqueFd connected_from(const char* source, int type, uint16_t port) {
  UniqueFd fd = socket_from(source, type);
  sockaddr_in to = inet4("127.0.0.1", port);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    throw_errno("connect", source);
  }
  return fd;
}

}  // namespace

UniqueFd socket_from(const char* source, int type) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", source);
  sockaddr_in from = inet4(source, 0);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
    throw_errno("bind", source);
  }
  return fd;
}

UniqueFd tcp_from(const char* source, uint16_t port) {
  return connected_from(source, SOCK_STREAM, port);
}

UniqueFd udp_from(const char* source, uint16_t port) {
  return connected_from(source, SOCK_DGRAM, port);
}

std::string read_rest(int fd) {
  try {
    return read_until_eof(fd, std::chrono::seconds(5));
  } catch (const std::runtime_error&) {
    return "";  // reset: nothing was answered either
  }
}

std::string tcp_exchange_from(const char* source, uint16_t port, const std::string& message) {
  UniqueFd fd = tcp_from(source, port);
  send_all(fd.get(), message + "\n");
  shutdown(fd.get(), SHUT_WR);
  return read_rest(fd.get());
}

std::string udp_reply(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buffer[256];
  ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

}  // namespace ackd::test

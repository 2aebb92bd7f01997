#include "client/connect.h"

#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <thread>

#include "client/client_error.h"
#include "client/exit_codes.h"
#include "common/syscall.h"

namespace ackd::client {
namespace {

UniqueFd open_socket(int family, int type) {
  UniqueFd fd(::socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw_errno("socket", "");
  return fd;
}

int exit_code_for(int err) {
  if (err == ECONNREFUSED || err == ENOENT) return kExitRefused;
  if (err == ETIMEDOUT) return kExitTimeout;
  return kExitFailure;
}

[[noreturn]] void throw_connect_timeout(const SocketAddress& peer, const Deadline& deadline) {
  throw ClientError(kExitTimeout, "connect to " + peer.to_string() + ": no answer within " +
                                      format_duration(deadline.budget()));
}

// Waits for a non-blocking connect in progress, then checks its outcome.
void finish_connect(int fd, const SocketAddress& peer, const Deadline& deadline) {
  if (poll_until(fd, POLLOUT, deadline) == 0) throw_connect_timeout(peer, deadline);
  int err = 0;
  socklen_t length = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = errno;
  if (err != 0) throw_socket_error("connect to", peer, err);
}

UniqueFd connect_one(const SocketAddress& peer, const Deadline& deadline) {
  UniqueFd fd = open_socket(peer.family(), SOCK_STREAM);
  int rc = ::connect(fd.get(), peer.get(), peer.length);
  // A unix listener with a full backlog answers EAGAIN at once: retry it.
  while (rc != 0 && errno == EAGAIN && peer.family() == AF_UNIX) {
    if (deadline.expired()) throw_connect_timeout(peer, deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rc = ::connect(fd.get(), peer.get(), peer.length);
  }
  if (rc != 0 && errno == EINPROGRESS) {
    finish_connect(fd.get(), peer, deadline);
  } else if (rc != 0) {
    throw_socket_error("connect to", peer, errno);
  }
  return fd;
}

}  // namespace

void throw_socket_error(const char* call, const SocketAddress& peer, int err) {
  throw ClientError(exit_code_for(err),
                    std::string(call) + " " + peer.to_string() + ": " + std::strerror(err));
}

Connection connect_stream(const std::vector<SocketAddress>& addresses, const Deadline& deadline) {
  std::optional<ClientError> last_error;
  for (const SocketAddress& peer : addresses) {
    try {
      return Connection{connect_one(peer, deadline), peer};
    } catch (const ClientError& e) {
      if (e.exit_code() == kExitTimeout) throw;  // the deadline is spent for all of them
      last_error = e;
    }
  }
  if (!last_error) throw ClientError(kExitFailure, "no address to connect to");
  throw ClientError(*last_error);
}

UniqueFd connect_datagram(const SocketAddress& address) {
  UniqueFd fd = open_socket(address.family(), SOCK_DGRAM);
  if (address.family() == AF_UNIX) {
    sa_family_t family = AF_UNIX;  // an address of just the family: Linux autobind
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&family), sizeof(family)) != 0) {
      throw_errno("bind", "unix autobind");
    }
  }
  if (::connect(fd.get(), address.get(), address.length) != 0) {
    throw_socket_error("connect to", address, errno);
  }
  return fd;
}

}  // namespace ackd::client

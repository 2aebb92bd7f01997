#include "client/datagram_exchange.h"

#include <poll.h>
#include <sys/socket.h>

#include <optional>

#include "client/client_error.h"
#include "client/connect.h"
#include "client/exit_codes.h"
#include "client/retry_backoff.h"

namespace ackd::client {
namespace {

constexpr size_t kMaxDatagram = 65536;

// A lost send (full buffers) is like a lost datagram: the retry covers it.
void send_datagram(int fd, const SocketAddress& peer, const std::string& message) {
  if (::send(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) return;
  if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) return;
  throw_socket_error("send to", peer, errno);
}

// The next reply arriving within `window`, or nullopt.
std::optional<std::string> receive_datagram(int fd, const SocketAddress& peer,
                                            const Deadline& window) {
  std::string reply(kMaxDatagram, '\0');
  while (poll_until(fd, POLLIN, window) != 0) {
    ssize_t n = ::recv(fd, reply.data(), reply.size(), MSG_DONTWAIT);
    if (n >= 0) {
      reply.resize(static_cast<size_t>(n));
      return reply;
    }
    if (errno != EAGAIN && errno != EINTR) throw_socket_error("send to", peer, errno);
  }
  return std::nullopt;
}

std::string exchange_one(int fd, const SocketAddress& peer, const std::string& message, int retries,
                         const Deadline& deadline) {
  for (int attempt = 0;; ++attempt) {
    send_datagram(fd, peer, message);
    Deadline window(retry_wait(attempt, retries, deadline.remaining()));
    if (auto reply = receive_datagram(fd, peer, window)) return *reply;
    if (attempt >= retries || deadline.expired()) {
      throw ClientError(kExitTimeout, "no ack from " + peer.to_string() + " within " +
                                          format_duration(deadline.budget()) + " (" +
                                          std::to_string(attempt + 1) + " sends)");
    }
  }
}

}  // namespace

void datagram_exchange(int fd, const SocketAddress& peer, const std::vector<std::string>& messages,
                       int retries, const Deadline& deadline, const AckHandler& on_ack) {
  for (const std::string& message : messages) {
    // Late replies to an earlier message's resends must not pass for this one's.
    while (receive_datagram(fd, peer, Deadline(Duration::zero()))) {
    }
    std::string reply = exchange_one(fd, peer, message, retries, deadline);
    if (reply.ends_with('\n')) reply.pop_back();
    on_ack(reply);
  }
}

}  // namespace ackd::client

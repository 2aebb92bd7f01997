#include "tests/support/net.h"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "common/socket_address.h"
#include "common/steady_time.h"
#include "common/syscall.h"

namespace ackd::test {
namespace {

constexpr int kTcpListen = 0x0A;  // TCP_LISTEN in /proc/net/tcp's "st" column
constexpr int kTcpSynRecv = 0x03;

// True if a line of /proc/net/{tcp,udp}[6] has local port `port` and, if
// `state` >= 0, that state. Lines read "sl local_address rem_address st ...".
bool proc_net_has(const char* file, uint16_t port, int state) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, st;
    if (!(fields >> slot >> local >> remote >> st)) continue;
    size_t colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
    if (state < 0 || std::stoi(st, nullptr, 16) == state) return true;
  }
  return false;
}

// The receive queue (bytes not yet read) of the IPv4 TCP socket bound to
// `local` and connected to `remote`, as /proc/net/tcp shows it
// ("... local_address rem_address st tx_queue:rx_queue ..."); nullopt if
// there is no such socket.
std::optional<uint64_t> tcp_receive_queue(const sockaddr_in& local, const sockaddr_in& remote) {
  // Addresses read as the kernel prints them: the raw 32-bit value in hex.
  auto same = [](const std::string& field, const sockaddr_in& address) {
    size_t colon = field.find(':');
    return colon != std::string::npos &&
           std::stoul(field.substr(0, colon), nullptr, 16) == address.sin_addr.s_addr &&
           std::stoul(field.substr(colon + 1), nullptr, 16) == ntohs(address.sin_port);
  };
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local_field, remote_field, state, queues;
    if (!(fields >> slot >> local_field >> remote_field >> state >> queues)) continue;
    if (!same(local_field, local) || !same(remote_field, remote)) continue;
    size_t colon = queues.find(':');
    if (colon == std::string::npos) return std::nullopt;
    return std::stoull(queues.substr(colon + 1), nullptr, 16);
  }
  return std::nullopt;
}

UniqueFd connect_to(const SocketAddress& address) {
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", address.to_string());
  if (retry_eintr([&] { return ::connect(fd.get(), address.get(), address.length); }) != 0) {
    throw_errno("connect", address.to_string());
  }
  return fd;
}

// Waits for `fd` to be readable until `deadline`; false on timeout.
bool wait_readable(int fd, SteadyTime deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  int rc = retry_eintr([&] { return ::poll(&p, 1, static_cast<int>(left.count()) + 1); });
  if (rc < 0) throw_errno("poll", "");
  return rc > 0;
}

// One recv(); returns bytes read, 0 on EOF. Throws on errors, with "reset"
// in the text for ECONNRESET.
ssize_t receive(int fd, char* buffer, size_t size) {
  ssize_t n = retry_eintr([&] { return ::recv(fd, buffer, size, 0); });
  if (n < 0 && errno == ECONNRESET) throw std::runtime_error("connection reset by peer");
  if (n < 0) throw_errno("recv", "");
  return n;
}

}  // namespace

bool tcp_port_listening(uint16_t port) {
  return proc_net_has("/proc/net/tcp", port, kTcpListen) ||
         proc_net_has("/proc/net/tcp6", port, kTcpListen);
}

bool tcp_handshake_held(uint16_t port) {
  return proc_net_has("/proc/net/tcp", port, kTcpSynRecv) ||
         proc_net_has("/proc/net/tcp6", port, kTcpSynRecv);
}

bool udp_port_bound(uint16_t port) {
  return proc_net_has("/proc/net/udp", port, -1) || proc_net_has("/proc/net/udp6", port, -1);
}

bool tcp_peer_read_all(int fd) {
  int unacknowledged = 0;
  if (ioctl(fd, SIOCOUTQ, &unacknowledged) != 0 || unacknowledged != 0) return false;
  sockaddr_in ours{}, theirs{};
  socklen_t length = sizeof(ours);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ours), &length) != 0) return false;
  length = sizeof(theirs);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&theirs), &length) != 0) return false;
  if (ours.sin_family != AF_INET) return false;
  return tcp_receive_queue(theirs, ours) == 0u;
}

UniqueFd connect_tcp(uint16_t port) {
  SocketAddress address;
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  in->sin_port = htons(port);
  address.length = sizeof(sockaddr_in);
  return connect_to(address);
}

UniqueFd connect_unix(const std::string& path) {
  return connect_to(SocketAddress::unix_path(path));
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = retry_eintr([&] { return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL); });
    if (n < 0) throw_errno("send", "");
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string read_until_eof(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  char buffer[4096];
  while (wait_readable(fd, deadline)) {
    ssize_t n = receive(fd, buffer, sizeof(buffer));
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

std::string read_line(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  char c = 0;
  while (wait_readable(fd, deadline) && receive(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

}  // namespace ackd::test

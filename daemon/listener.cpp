#include "daemon/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "common/endpoint.h"
#include "common/syscall.h"
#include "daemon/unix_socket_file.h"

namespace ackd {
namespace {

int socket_type(Protocol protocol) { return is_stream(protocol) ? SOCK_STREAM : SOCK_DGRAM; }

UniqueFd make_socket(int family, Protocol protocol, const std::string& object) {
  UniqueFd fd(socket(family, socket_type(protocol) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", object);
  return fd;
}

void set_option(int fd, int level, int name, int value, const std::string& object) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) throw_errno("setsockopt", object);
}

Listener open_unix(const ListenerConfig& config, gid_t default_group) {
  Listener listener{config, make_socket(AF_UNIX, config.protocol, config.describe()), {}};
  listener.bound = SocketAddress::unix_path(config.path);
  listener.file = bind_socket_file(listener.fd.get(), config, default_group);
  listener.owns_path = true;
  return listener;
}

Listener open_inet(const ListenerConfig& config) {
  int type = socket_type(config.protocol);
  std::vector<SocketAddress> addresses;
  try {
    addresses = resolve(config.address, type, /*passive=*/true);
  } catch (const ResolveError& e) {
    throw std::runtime_error("listener \"" + config.name + "\": " + e.what());
  }
  const SocketAddress& address = addresses.front();
  Listener listener{config, make_socket(address.family(), config.protocol, config.describe()), {}};
  int fd = listener.fd.get();
  set_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, config.describe());
  if (address.family() == AF_INET6) {
    // "[::]:port" serves IPv4 too, whatever net.ipv6.bindv6only says.
    set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, config.describe());
  }
  if (bind(fd, address.get(), address.length) != 0) throw_errno("bind", config.describe());
  listener.bound = address;
  socklen_t length = sizeof(listener.bound.storage);
  if (getsockname(fd, listener.bound.get(), &length) == 0) listener.bound.length = length;
  return listener;
}

}  // namespace

Listener open_listener(const ListenerConfig& config, gid_t default_group) {
  Listener listener =
      is_unix(config.protocol) ? open_unix(config, default_group) : open_inet(config);
  if (is_stream(config.protocol) && listen(listener.fd.get(), config.backlog) != 0) {
    throw_errno("listen", config.describe());
  }
  apply_defer_accept(listener);
  return listener;
}

void apply_defer_accept(const Listener& listener) {
  if (listener.config.protocol != Protocol::kTcp) return;
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(listener.config.defer_accept);
  set_option(listener.fd.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, static_cast<int>(seconds.count()),
             listener.describe());
}

void remove_socket_file(const Listener& listener) {
  if (listener.owns_path) remove_socket_file(listener.config.path, listener.file);
}

}  // namespace ackd

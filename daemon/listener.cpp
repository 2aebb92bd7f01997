#include "daemon/listener.h"

#include <fcntl.h>
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
#include "daemon/listener_set.h"

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

// A unix socket file already at `path`: stale (nobody answers) or live.
void clear_stale_socket(const ListenerConfig& config) {
  struct stat st {};
  if (lstat(config.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat", config.describe());
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw std::system_error(
        EEXIST, std::generic_category(),
        "bind(" + config.describe() + "): a file that is not a socket is there");
  }
  UniqueFd probe = make_socket(AF_UNIX, config.protocol, config.describe());
  SocketAddress address = SocketAddress::unix_path(config.path);
  if (connect(probe.get(), address.get(), address.length) == 0 || errno == EAGAIN) {
    throw std::system_error(EADDRINUSE, std::generic_category(),
                            "bind(" + config.describe() + "): a running daemon answers there");
  }
  if (errno != ECONNREFUSED) throw_errno("connect", config.describe() + " (probe)");
  if (unlink(config.path.c_str()) != 0 && errno != ENOENT) {
    throw_errno("unlink", config.describe() + " (stale socket)");
  }
}

void make_parent_directory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  std::string parent = path.substr(0, slash);
  if (mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir", parent);
}

Listener open_unix(const ListenerConfig& config) {
  make_parent_directory(config.path);
  clear_stale_socket(config);
  Listener listener{config, make_socket(AF_UNIX, config.protocol, config.describe()), {}};
  listener.bound = SocketAddress::unix_path(config.path);
  // A restrictive umask during bind: the file never exists with wider
  // permissions than `mode`, even for an instant.
  mode_t old_umask = umask(0177);
  int rc = bind(listener.fd.get(), listener.bound.get(), listener.bound.length);
  int bind_errno = errno;
  umask(old_umask);
  if (rc != 0) throw_errno("bind", config.describe(), bind_errno);
  struct stat st {};
  if (stat(config.path.c_str(), &st) == 0) {
    listener.owns_path = true;
    listener.path_dev = st.st_dev;
    listener.path_ino = st.st_ino;
  }
  apply_socket_file_attributes(listener);
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

Listener open_listener(const ListenerConfig& config) {
  Listener listener = is_unix(config.protocol) ? open_unix(config) : open_inet(config);
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
  if (!listener.owns_path) return;
  struct stat st {};
  if (lstat(listener.config.path.c_str(), &st) != 0) return;
  if (st.st_dev == listener.path_dev && st.st_ino == listener.path_ino) {
    unlink(listener.config.path.c_str());
  }
}

}  // namespace ackd

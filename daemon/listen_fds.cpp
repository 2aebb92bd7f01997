#include "daemon/listen_fds.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "daemon/unix_socket_file.h"

namespace ackd {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START

std::vector<std::string> split_names(const char* text, size_t count) {
  std::vector<std::string> names;
  std::stringstream stream(text != nullptr ? text : "");
  for (std::string name; std::getline(stream, name, ':');) names.push_back(name);
  names.resize(count);
  return names;
}

int socket_option(int fd, int option) {
  int value = -1;
  socklen_t length = sizeof(value);
  getsockopt(fd, SOL_SOCKET, option, &value, &length);
  return value;
}

void check_kind(int fd, const ListenerConfig& config) {
  int family = socket_option(fd, SO_DOMAIN);
  int type = socket_option(fd, SO_TYPE);
  bool want_unix = is_unix(config.protocol);
  bool want_stream = is_stream(config.protocol);
  std::string problem;
  if (want_unix != (family == AF_UNIX)) {
    problem = want_unix ? "is not a unix socket" : "is not an inet socket";
  } else if (want_stream != (type == SOCK_STREAM)) {
    problem = want_stream ? "is a datagram socket" : "is a stream socket";
  } else if (want_stream && socket_option(fd, SO_ACCEPTCONN) != 1) {
    problem = "is not listening";
  }
  if (!problem.empty()) {
    throw std::runtime_error("listener \"" + config.name + "\": the socket passed for it " +
                             problem + ", but protocol = \"" +
                             std::string(to_string(config.protocol)) + "\"");
  }
}

}  // namespace

std::vector<PassedSocket> take_passed_sockets() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* count = std::getenv("LISTEN_FDS");
  std::vector<PassedSocket> passed;
  if (pid != nullptr && count != nullptr && std::atol(pid) == getpid()) {
    long n = std::atol(count);
    std::vector<std::string> names = split_names(std::getenv("LISTEN_FDNAMES"), n > 0 ? n : 0);
    for (long i = 0; i < n; ++i) {
      int fd = kFirstFd + static_cast<int>(i);
      fcntl(fd, F_SETFD, FD_CLOEXEC);
      std::string name = names[i] == "unknown" ? "" : names[i];  // systemd's default name
      passed.push_back({UniqueFd(fd), name});
    }
  }
  for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) unsetenv(name);
  return passed;
}

std::optional<Listener> adopt_passed_socket(std::vector<PassedSocket>& passed,
                                            const ListenerConfig& config, bool owns_path) {
  for (PassedSocket& socket : passed) {
    if (!socket.fd || socket.name != config.name) continue;
    check_kind(socket.fd.get(), config);
    Listener listener{config, std::move(socket.fd), {}};
    int flags = fcntl(listener.fd.get(), F_GETFL);
    fcntl(listener.fd.get(), F_SETFL, flags | O_NONBLOCK);  // workers accept until EAGAIN
    apply_defer_accept(listener);
    listener.bound.length = sizeof(listener.bound.storage);
    getsockname(listener.fd.get(), listener.bound.get(), &listener.bound.length);
    if (is_unix(config.protocol)) {
      listener.file = identify_socket_file(listener.fd.get(), config.path);
      listener.owns_path = owns_path;
    }
    return listener;
  }
  return std::nullopt;
}

void reject_unclaimed(const std::vector<PassedSocket>& passed) {
  for (const PassedSocket& socket : passed) {
    if (!socket.fd) continue;
    throw std::runtime_error(
        "socket activation: the socket passed as \"" +
        (socket.name.empty() ? std::string("(unnamed)") : socket.name) +
        "\" matches no [[listener]] name (set FileDescriptorName= to a listener's name)");
  }
}

void pass_sockets_to_exec(const std::vector<int>& fds, const std::vector<std::string>& names) {
  // Move everything out of the way first: a target number may be a source.
  std::vector<int> high;
  for (int fd : fds) high.push_back(fcntl(fd, F_DUPFD, 1024));
  std::string joined;
  for (size_t i = 0; i < high.size(); ++i) {
    dup2(high[i], kFirstFd + static_cast<int>(i));  // dup2 clears CLOEXEC
    close(high[i]);
    joined += (i ? ":" : "") + names[i];
  }
  setenv("LISTEN_FDS", std::to_string(fds.size()).c_str(), 1);
  setenv("LISTEN_FDNAMES", joined.c_str(), 1);
  setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
}

}  // namespace ackd

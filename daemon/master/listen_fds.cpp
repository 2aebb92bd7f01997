#include "daemon/master/listen_fds.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "common/escape.h"
#include "common/syscall.h"

#include "daemon/unix_socket_file.h"

namespace ackd {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START
constexpr int kMaxFds = INT_MAX - kFirstFd;
constexpr size_t kMaxNameLength = 255;  // systemd's FDNAME_MAX

// `name="value"`, the value escaped: it comes from whoever started us.
std::string quoted(const char* name, const char* value) {
  return std::string(name) + "=\"" + escape_for_log(value) + "\"";
}

// Plain decimal from 1 to `max`: no sign, space, base prefix or leading zero.
std::optional<int64_t> parse_positive(std::string_view text, int64_t max) {
  if (text.empty() || text.size() > 19 || text[0] == '0') return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// systemd's fdname_is_valid(): printable ASCII but ':', at most 255 bytes.
bool valid_name(std::string_view name) {
  if (name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= ' ' && c < 127; });
}

// Split at every ':' (an empty field is an unnamed socket); "" holds no name.
std::vector<std::string> split_names(std::string_view text) {
  std::vector<std::string> names;
  if (text.empty()) return names;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    names.emplace_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) return names;
    start = colon + 1;
  }
}

std::vector<std::string> parse_names(const char* fdnames, int count) {
  if (fdnames == nullptr) return std::vector<std::string>(static_cast<size_t>(count));
  std::vector<std::string> names = split_names(fdnames);
  if (names.size() != static_cast<size_t>(count)) {
    throw std::invalid_argument(quoted("LISTEN_FDNAMES", fdnames) + ": " +
                                std::to_string(names.size()) +
                                " name(s) for LISTEN_FDS=" + std::to_string(count) + " sockets");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (!valid_name(names[i])) {
      throw std::invalid_argument(quoted("LISTEN_FDNAMES", fdnames) + ": name " +
                                  std::to_string(i + 1) +
                                  " is not printable ASCII of at most 255 characters");
    }
    if (names[i] == "unknown") names[i].clear();  // systemd's name for an unnamed one
  }
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

ListenFds parse_listen_environment(const ListenEnvironment& environment, pid_t self,
                                   std::optional<uint64_t> self_pidfd_id) {
  if (environment.pid == nullptr) return {};
  std::optional<int64_t> pid = parse_positive(environment.pid, INT32_MAX);
  if (!pid) {
    throw std::invalid_argument(quoted("LISTEN_PID", environment.pid) + ": not a process id");
  }
  if (*pid != self || environment.fds == nullptr) return {};  // not for us
  if (environment.pidfdid != nullptr) {
    std::optional<int64_t> id = parse_positive(environment.pidfdid, INT64_MAX);
    if (!id) {
      throw std::invalid_argument(quoted("LISTEN_PIDFDID", environment.pidfdid) +
                                  ": not a pidfd inode number");
    }
    if (self_pidfd_id && static_cast<uint64_t>(*id) != *self_pidfd_id) return {};  // not for us
  }
  std::optional<int64_t> count = parse_positive(environment.fds, kMaxFds);
  if (!count) {
    throw std::invalid_argument(quoted("LISTEN_FDS", environment.fds) +
                                ": not a number of sockets from 1 to " + std::to_string(kMaxFds));
  }
  ListenFds result;
  result.count = static_cast<int>(*count);
  result.names = parse_names(environment.fdnames, result.count);
  return result;
}

namespace {

constexpr long kPidfsMagic = 0x50494446;  // PID_FS_MAGIC

// The inode number of a pidfd of this process on pidfs (Linux 6.9), as
// systemd's LISTEN_PIDFDID gives it; nullopt where pidfds have no such
// identity. The pidfd is closed before anyone looks at fds 3 and up.
std::optional<uint64_t> own_pidfd_id() {
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)));
  struct stat st {};
  struct statfs fs {};
  if (!pidfd || fstat(pidfd.get(), &st) != 0 || fstatfs(pidfd.get(), &fs) != 0 ||
      fs.f_type != kPidfsMagic) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(st.st_ino);
}

}  // namespace

std::vector<PassedSocket> take_passed_sockets() {
  // Copied, then unset at once: no child may see them, even if we fail.
  constexpr int kVariables = 4;
  std::optional<std::string> values[kVariables];
  const char* variables[kVariables] = {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                                       "LISTEN_PIDFDID"};
  for (int i = 0; i < kVariables; ++i) {
    if (const char* value = std::getenv(variables[i])) values[i] = value;
    unsetenv(variables[i]);
  }
  auto get = [](const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; };
  std::optional<uint64_t> pidfd_id = values[3] ? own_pidfd_id() : std::nullopt;
  ListenFds fds = parse_listen_environment(
      {get(values[0]), get(values[1]), get(values[2]), get(values[3])}, getpid(), pidfd_id);
  std::vector<PassedSocket> passed;
  for (int i = 0; i < fds.count; ++i) {
    int fd = kFirstFd + i;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
      throw std::runtime_error("LISTEN_FDS=" + std::to_string(fds.count) + ": fd " +
                               std::to_string(fd) + " is not open (" + std::strerror(errno) + ")");
    }
    passed.push_back({UniqueFd(fd), fds.names[static_cast<size_t>(i)]});
  }
  return passed;
}

std::optional<Listener> adopt_passed_socket(std::vector<PassedSocket>& passed,
                                            const ListenerConfig& config, bool owns_path) {
  for (PassedSocket& socket : passed) {
    if (!socket.fd || socket.name != config.name) continue;
    check_kind(socket.fd.get(), config);
    Listener listener{config, std::move(socket.fd), {}};
    int flags = fcntl(listener.fd.get(), F_GETFL);
    // Workers accept until EAGAIN: a blocking socket would hang one in accept().
    if (flags < 0 || fcntl(listener.fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
      throw_errno("fcntl(O_NONBLOCK)", "the socket passed for " + config.describe());
    }
    apply_defer_accept(listener);
    listener.bound.length = sizeof(listener.bound.storage);
    if (getsockname(listener.fd.get(), listener.bound.get(), &listener.bound.length) != 0) {
      throw_errno("getsockname", "the socket passed for " + config.describe());
    }
    if (is_unix(config.protocol)) {
      listener.file = identify_socket_file(listener.fd.get(), config.path);
      listener.owns_path = owns_path;
    }
    return listener;
  }
  return std::nullopt;
}

UniqueFd take_passed_fd(std::vector<PassedSocket>& passed, std::string_view name) {
  for (PassedSocket& socket : passed) {
    if (socket.fd && socket.name == name) return std::move(socket.fd);
  }
  return UniqueFd();
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
  // Each first moves above the targets 3 .. 3+n-1, as a target may be a
  // source; that floor stays far below any RLIMIT_NOFILE.
  int floor = kFirstFd + static_cast<int>(fds.size());
  std::vector<UniqueFd> moved;
  for (size_t i = 0; i < fds.size(); ++i) {
    moved.emplace_back(fcntl(fds[i], F_DUPFD_CLOEXEC, floor));
    if (!moved.back()) throw_errno("fcntl(F_DUPFD)", "socket " + names[i]);
  }
  std::string joined;
  for (size_t i = 0; i < moved.size(); ++i) {
    // dup2 clears CLOEXEC: the new program inherits exactly these.
    if (dup2(moved[i].get(), kFirstFd + static_cast<int>(i)) < 0) {
      throw_errno("dup2", "socket " + names[i] + " to fd " + std::to_string(kFirstFd + i));
    }
    joined += (i ? ":" : "") + names[i];
  }
  setenv("LISTEN_FDS", std::to_string(fds.size()).c_str(), 1);
  setenv("LISTEN_FDNAMES", joined.c_str(), 1);
  setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
}

}  // namespace ackd

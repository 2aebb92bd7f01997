#include "daemon/control_server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/syscall.h"

namespace ackd {
namespace {
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kWarningInterval = std::chrono::seconds(10);

// Changes the socket file's group only if it is not that group already: in
// a setgid directory (the packaged /run/ackd) it is, and there the master
// may not chown (the unit grants no CAP_CHOWN and filters the call out).
void give_group(const Listener& listener, const std::string& group) {
  ::group* entry = getgrnam(group.c_str());
  if (entry == nullptr) throw std::runtime_error("group: no such group \"" + group + "\"");
  const std::string& path = listener.config.path;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) throw_errno("lstat", listener.describe());
  if (st.st_dev != listener.path_dev || st.st_ino != listener.path_ino) {
    throw std::runtime_error(listener.describe() + ": the socket file was replaced");
  }
  if (st.st_gid == entry->gr_gid) return;
  if (lchown(path.c_str(), static_cast<uid_t>(-1), entry->gr_gid) != 0) {
    throw_errno("chown", listener.describe());
  }
}

}  // namespace

std::unique_ptr<ControlServer> ControlServer::open(const std::string& path,
                                                   const std::string& group) {
  ListenerConfig config;
  config.name = "control";
  config.protocol = Protocol::kUnix;
  config.path = path;
  config.mode = group.empty() ? 0600 : 0660;
  try {
    Listener listener = open_listener(config);
    if (!group.empty()) give_group(listener, group);
    return std::unique_ptr<ControlServer>(new ControlServer(std::move(listener)));
  } catch (const std::exception& e) {
    spdlog::warn("control socket: {}; ackctl status will not work", e.what());
    return nullptr;
  }
}

ControlServer::~ControlServer() { remove_socket_file(listener_); }

std::optional<ControlServer::TimePoint> ControlServer::resume_at(TimePoint now) const {
  if (now < paused_until_) return paused_until_;
  return std::nullopt;
}

UniqueFd ControlServer::accept(TimePoint now) {
  UniqueFd client(accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (client || errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return client;
  // EMFILE and the like: the connection stays queued, and the socket readable.
  paused_until_ = now + kAcceptPause;
  if (now >= next_warning_) {
    next_warning_ = now + kWarningInterval;
    spdlog::warn("control socket: accept: {}; pausing for {}ms", std::strerror(errno),
                 kAcceptPause.count());
  }
  return client;
}

}  // namespace ackd

#include "daemon/master/control_server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/syscall.h"
#include "daemon/master/control_caller.h"

namespace ackd {
namespace {
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kWarningInterval = std::chrono::seconds(10);

// The control socket's group, resolved by name ("": none).
gid_t group_id(const std::string& group) {
  if (group.empty()) return kUnchangedGid;
  ::group* entry = getgrnam(group.c_str());
  if (entry == nullptr) throw std::runtime_error("group: no such group \"" + group + "\"");
  return entry->gr_gid;
}

}  // namespace

std::unique_ptr<ControlServer> ControlServer::open(const std::string& path,
                                                   const std::string& group, bool warn) {
  ListenerConfig config;
  config.name = "control";
  config.protocol = Protocol::kUnix;
  config.path = path;
  config.mode = group.empty() ? 0600 : 0660;
  try {
    // Born with its group (unix_socket_file.h): no chown, which the
    // packaged unit would refuse.
    gid_t gid = group_id(group);
    Listener listener = open_listener(config, gid);
    std::optional<gid_t> members;
    if (gid != kUnchangedGid) members = gid;
    return std::unique_ptr<ControlServer>(new ControlServer(std::move(listener), members));
  } catch (const std::exception& e) {
    if (warn) {
      spdlog::warn(
          "control socket: {}; ackctl will not work until it can be made (tried again "
          "every second)",
          e.what());
    }
    return nullptr;
  }
}

ControlServer::~ControlServer() { remove_socket_file(listener_); }

std::optional<SteadyTime> ControlServer::resume_at(SteadyTime now) const {
  if (now < paused_until_) return paused_until_;
  return std::nullopt;
}

UniqueFd ControlServer::accept(SteadyTime now) {
  UniqueFd client(accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (client) {
    if (std::optional<std::string> why = refuse_control_caller(client.get(), group_)) {
      refuse(std::move(client), *why, now);
      return UniqueFd();
    }
    return client;
  }
  if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return client;
  // EMFILE and the like: the connection stays queued, and the socket readable.
  paused_until_ = now + kAcceptPause;
  if (now >= next_warning_) {
    next_warning_ = now + kWarningInterval;
    spdlog::warn("control socket: accept: {}; pausing for {}ms", std::strerror(errno),
                 kAcceptPause.count());
  }
  return client;
}

// One line, sent if the socket takes it at once; the master never waits.
void ControlServer::refuse(UniqueFd client, const std::string& why, SteadyTime now) {
  std::string line = "ERR " + why + "\n";
  send(client.get(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (std::optional<std::string> note = refusals_.admit(now)) {
    spdlog::warn("control socket: refused a caller: {}{}", why, *note);
  }
}

}  // namespace ackd

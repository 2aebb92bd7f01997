#include "daemon/control_server.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace ackd {
namespace {
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kWarningInterval = std::chrono::seconds(10);
}  // namespace

std::unique_ptr<ControlServer> ControlServer::open(const std::string& path,
                                                   const std::string& group) {
  ListenerConfig config;
  config.name = "control";
  config.protocol = Protocol::kUnix;
  config.path = path;
  config.mode = group.empty() ? 0600 : 0660;
  config.group = group;
  try {
    return std::unique_ptr<ControlServer>(new ControlServer(open_listener(config)));
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

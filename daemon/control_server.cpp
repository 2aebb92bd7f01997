#include "daemon/control_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <spdlog/spdlog.h>

namespace ackd {
namespace {

constexpr size_t kMaxRequest = 256;

void set_timeout(int fd, int option, int milliseconds) {
  timeval tv{milliseconds / 1000, (milliseconds % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

std::string read_request(int fd) {
  std::string request;
  char buffer[kMaxRequest];
  while (request.size() < kMaxRequest && request.find('\n') == std::string::npos) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  request = request.substr(0, request.find('\n'));
  if (!request.empty() && request.back() == '\r') request.pop_back();
  return request;
}

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

void ControlServer::serve_one(const Handler& handler) {
  UniqueFd client(accept4(fd(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!client) return;
  set_timeout(client.get(), SO_RCVTIMEO, 200);
  set_timeout(client.get(), SO_SNDTIMEO, 1000);
  std::string reply = handler(read_request(client.get()));
  size_t sent = 0;
  while (sent < reply.size()) {
    ssize_t n = send(client.get(), reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace ackd

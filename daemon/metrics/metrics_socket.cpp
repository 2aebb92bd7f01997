#include "daemon/metrics/metrics_socket.h"

#include "daemon/master/listen_fds.h"

namespace ackd {
namespace {

ListenerConfig as_listener(const MetricsConfig& config) {
  ListenerConfig listener;
  listener.name = "metrics";
  listener.protocol = Protocol::kTcp;
  listener.address = *config.address;
  listener.backlog = 128;
  listener.defer_accept = Duration(0);
  return listener;
}

}  // namespace

std::optional<Listener> open_metrics_socket(const MetricsConfig& config, UniqueFd passed) {
  if (!config.enabled()) return std::nullopt;
  ListenerConfig listener = as_listener(config);
  if (passed) {
    std::vector<PassedSocket> sockets;
    sockets.push_back({std::move(passed), listener.name});
    if (auto adopted = adopt_passed_socket(sockets, listener, /*owns_path=*/false)) return adopted;
  }
  return open_listener(listener);
}

bool keeps_metrics_socket(const std::optional<Listener>& current, const MetricsConfig& fresh) {
  return current && fresh.enabled() && current->config.same_binding(as_listener(fresh));
}

}  // namespace ackd

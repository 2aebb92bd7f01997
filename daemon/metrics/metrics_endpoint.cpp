#include "daemon/metrics/metrics_endpoint.h"

#include <spdlog/spdlog.h>

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

Listener open_socket(const MetricsConfig& config, UniqueFd passed) {
  ListenerConfig listener = as_listener(config);
  if (passed) {
    std::vector<PassedSocket> sockets;
    sockets.push_back({std::move(passed), listener.name});
    if (auto adopted = adopt_passed_socket(sockets, listener, /*owns_path=*/false)) {
      return std::move(*adopted);
    }
  }
  return open_listener(listener);
}

[[noreturn]] void rethrow_as_metrics(const std::exception& e) {
  throw std::runtime_error(std::string("[metrics]: ") + e.what());
}

}  // namespace

void MetricsEndpoint::open(const MetricsConfig& config, UniqueFd passed) {
  if (!config.enabled()) return;
  try {
    socket_ = open_socket(config, std::move(passed));
    binary_ = open_exporter_binary();
  } catch (const std::exception& e) {
    rethrow_as_metrics(e);
  }
  spdlog::info("metrics on http://{}/metrics", socket_->bound.to_string());
}

MetricsEndpoint::Plan MetricsEndpoint::prepare(const MetricsConfig& wanted) const {
  Plan plan;
  plan.keep = socket_ && wanted.enabled() && socket_->config.same_binding(as_listener(wanted));
  if (!wanted.enabled() || plan.keep) return plan;
  try {
    plan.socket = open_socket(wanted, UniqueFd());
    if (!binary_) plan.binary = open_exporter_binary();
  } catch (const std::exception& e) {
    rethrow_as_metrics(e);
  }
  return plan;
}

void MetricsEndpoint::swap(Plan plan) {
  if (plan.binary) binary_ = std::move(plan.binary);
  if (plan.keep) return;
  if (socket_) spdlog::info("metrics off {}", socket_->bound.to_string());
  socket_ = std::move(plan.socket);
  if (socket_) spdlog::info("metrics on http://{}/metrics", socket_->bound.to_string());
}

std::vector<int> MetricsEndpoint::fds() const {
  std::vector<int> fds;
  if (socket_) fds.push_back(socket_->fd.get());
  if (binary_) fds.push_back(binary_.get());
  return fds;
}

AuxRole MetricsEndpoint::role(ExporterLaunch launch) const {
  launch.binary_fd = binary_.get();
  launch.listen_fd = socket_fd();
  return metrics_role(launch);
}

}  // namespace ackd

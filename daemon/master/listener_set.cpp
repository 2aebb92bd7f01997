#include "daemon/master/listener_set.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <optional>

#include "daemon/unix_socket_file.h"

namespace ackd {
namespace {

// A kept socket takes the new settings that do not need a new socket.
void update_kept(Listener& listener, const ListenerConfig& wanted, gid_t default_group) {
  bool backlog_changed = listener.config.backlog != wanted.backlog;
  listener.config = wanted;
  if (is_stream(wanted.protocol) && backlog_changed) {
    listen(listener.fd.get(), wanted.backlog);  // a listening socket takes a new backlog
  }
  try {
    apply_defer_accept(listener);
  } catch (const std::exception& e) {
    spdlog::warn("listener {}: {}", wanted.name, e.what());
  }
  if (is_unix(wanted.protocol)) {
    try {
      apply_socket_file_attributes(wanted, listener.file, default_group);
    } catch (const std::exception& e) {
      spdlog::warn("listener {}: {}", wanted.name, e.what());
    }
  }
}

}  // namespace

ReconcilePlan plan_reconciliation(const std::vector<ListenerConfig>& current,
                                  const std::vector<ListenerConfig>& wanted) {
  ReconcilePlan plan;
  std::vector<bool> taken(current.size(), false);
  for (const ListenerConfig& listener : wanted) {
    std::optional<size_t> kept;
    for (size_t i = 0; i < current.size() && !kept; ++i) {
      if (!taken[i] && current[i].same_binding(listener)) kept = i;
    }
    if (kept) taken[*kept] = true;
    plan.kept.push_back(kept);
  }
  for (size_t i = 0; i < current.size(); ++i) {
    if (!taken[i]) plan.removed.push_back(i);
  }
  return plan;
}

ReconciledListeners reconcile_listeners(std::vector<Listener>& current,
                                        const std::vector<ListenerConfig>& wanted,
                                        gid_t default_group) {
  std::vector<ListenerConfig> configs;
  configs.reserve(current.size());
  for (const Listener& listener : current) configs.push_back(listener.config);
  ReconcilePlan plan = plan_reconciliation(configs, wanted);
  // First bind what is new: this may throw, and nothing is moved yet.
  std::vector<std::optional<Listener>> fresh(wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!plan.kept[i]) fresh[i] = open_listener(wanted[i], default_group);
  }
  ReconciledListeners result;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (fresh[i]) {
      result.listeners.push_back(std::move(*fresh[i]));
      continue;
    }
    result.listeners.push_back(std::move(current[*plan.kept[i]]));
    update_kept(result.listeners.back(), wanted[i], default_group);
  }
  for (size_t index : plan.removed) result.removed.push_back(std::move(current[index]));
  current.clear();
  return result;
}

}  // namespace ackd

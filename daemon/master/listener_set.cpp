#include "daemon/master/listener_set.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <optional>

#include "daemon/unix_socket_file.h"

namespace ackd {
namespace {

// Index of the listener in `current` with the same binding, if any.
std::optional<size_t> find_same_binding(const std::vector<Listener>& current,
                                        const ListenerConfig& wanted) {
  for (size_t i = 0; i < current.size(); ++i) {
    if (current[i].fd && current[i].config.same_binding(wanted)) return i;
  }
  return std::nullopt;
}

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

ReconciledListeners reconcile_listeners(std::vector<Listener>& current,
                                        const std::vector<ListenerConfig>& wanted,
                                        gid_t default_group) {
  // First bind what is new: this may throw, and nothing is moved yet.
  std::vector<std::optional<Listener>> fresh(wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!find_same_binding(current, wanted[i])) fresh[i] = open_listener(wanted[i], default_group);
  }
  ReconciledListeners result;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (fresh[i]) {
      result.listeners.push_back(std::move(*fresh[i]));
      continue;
    }
    size_t index = *find_same_binding(current, wanted[i]);
    result.listeners.push_back(std::move(current[index]));
    update_kept(result.listeners.back(), wanted[i], default_group);
  }
  for (Listener& old : current) {
    if (old.fd) result.removed.push_back(std::move(old));
  }
  current.clear();
  return result;
}

}  // namespace ackd

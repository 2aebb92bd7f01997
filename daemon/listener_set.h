// Reconciling listeners on reload: a listener whose binding is unchanged
// keeps its socket (never closed or re-bound, so no client is refused), new
// ones are bound, removed ones are handed back to be closed. A transaction:
// if any new listener cannot be bound, nothing changes.
#pragma once

#include <vector>

#include "daemon/listener.h"

namespace ackd {

struct ReconciledListeners {
  std::vector<Listener> listeners;  // in the order of the new config
  std::vector<Listener> removed;    // the caller closes them (and unlinks their files)
};

// Throws (std::system_error, std::runtime_error) leaving `current` intact.
ReconciledListeners reconcile_listeners(std::vector<Listener>& current,
                                        const std::vector<ListenerConfig>& wanted);

// Applies a unix listener's mode/owner/group to its socket file. Throws.
void apply_socket_file_attributes(const Listener& listener);

}  // namespace ackd

// Reconciling listeners on reload: a listener whose binding is unchanged
// keeps its socket (never closed or re-bound, so no client is refused), new
// ones are bound, removed ones are handed back to be closed. A transaction:
// if any new listener cannot be bound, nothing changes.
#pragma once

#include <sys/types.h>

#include <vector>

#include "daemon/listener.h"

namespace ackd {

struct ReconciledListeners {
  std::vector<Listener> listeners;  // in the order of the new config
  std::vector<Listener> removed;    // the caller closes them (and unlinks their files)
};

// Throws (std::system_error, std::runtime_error) leaving `current` intact.
// `default_group`: the group of unix socket files whose listener names none.
ReconciledListeners reconcile_listeners(std::vector<Listener>& current,
                                        const std::vector<ListenerConfig>& wanted,
                                        gid_t default_group = kUnchangedGid);

}  // namespace ackd

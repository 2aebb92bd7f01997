// Reconciling listeners on reload: a listener whose binding is unchanged
// keeps its socket (never closed or re-bound, so no client is refused), new
// ones are bound, removed ones are handed back to be closed. A transaction:
// if any new listener cannot be bound, nothing changes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "daemon/listener.h"

namespace ackd {

// Which socket each wanted listener gets: the index of the current one with
// the same binding (kept), or none (bound anew); and the current ones no
// wanted listener keeps. Pure: decides, binds nothing.
struct ReconcilePlan {
  std::vector<std::optional<size_t>> kept;  // one per wanted listener
  std::vector<size_t> removed;              // indices into current
};
ReconcilePlan plan_reconciliation(const std::vector<ListenerConfig>& current,
                                  const std::vector<ListenerConfig>& wanted);

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

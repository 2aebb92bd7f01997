// Work done as the workers' user, before any worker starts: a child drops
// privileges exactly as a worker does and runs the task, so the master
// learns at start what the workers could not do (and says so, instead of
// saying ready to a pool that dies), and never acts as root on files that
// user owns. The child's error comes back to the master over a pipe.
#pragma once

#include <functional>
#include <optional>

#include "daemon/privileges.h"

namespace ackd {

// Runs `task` in a child with the workers' credentials (nullopt: ours).
// Throws std::runtime_error "as user NAME: <the task's error>".
void run_as_workers(const std::optional<Credentials>& workers, const std::function<void()>& task);

}  // namespace ackd

// spawn_child: the one place ackd forks. The child starts with every signal
// blocked (its own SignalPipe unblocks them), asks to be signalled when its
// parent dies, runs `body` and leaves with
// _exit(body()): it never returns into the parent's code, so the parent's
// destructors (unlinking sockets, say) never run twice.
#pragma once

#include <sys/types.h>

#include <functional>
#include <initializer_list>

namespace ackd {

// Returns the child's pid; throws std::system_error if fork fails.
pid_t spawn_child(const std::function<int()>& body, int parent_death_signal);

// In a child: closes every fd above stderr but those in `keep` (-1s ignored).
void close_fds_except(std::initializer_list<int> keep);

}  // namespace ackd

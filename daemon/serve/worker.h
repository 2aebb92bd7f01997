// Worker: a process that serves clients. In prefork mode each worker serves
// many connections at once on its own event loop; in fork mode each worker
// (a dispatcher) accepts and forks a process per connection, and serves
// the datagram listeners itself. Both drain gracefully on TERM.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/listener.h"
#include "daemon/privileges.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/reply_budget.h"

namespace ackd {

// The pipe on which each worker tells the master it serves: one byte, once
// its scoreboard entry says kServing, so that the master looks at once.
struct ServingPipe {
  ServingPipe();       // throws std::system_error
  void drain() const;  // the master, when the read end is readable
  UniqueFd read;       // the master's (non-blocking)
  UniqueFd write;
};

struct WorkerSpec {
  const Config* config = nullptr;
  std::vector<Listener>* listeners = nullptr;  // inherited from the master
  std::string role;                            // "worker 0", "dispatcher 0"
  unsigned max_children = 0;                   // fork mode: this dispatcher's share
  std::optional<Credentials> credentials;
  pid_t master_pid = 0;
  ScoreboardEntry* scoreboard = nullptr;    // this worker's entry (shared memory): required
  const Scoreboard* board = nullptr;        // the whole: the daemon's state, for the services
  ReplyBudget* reply_budget = nullptr;      // UDP, shared by every worker: required
  ListenerBoard* listener_board = nullptr;  // per-listener counters (shared memory)
  SpoolBoard* spool_board = nullptr;        // the spool's sync times (shared memory)
  std::vector<int> close_in_child;          // the master's own fds
  int serving_fd = -1;                      // ServingPipe::write
};

// Runs in the forked child; returns its exit status.
int run_worker(const WorkerSpec& spec);

}  // namespace ackd

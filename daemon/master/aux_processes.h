// AuxProcesses: the master's auxiliary processes (the metrics exporter; a
// forwarder later), one per role, supervised as the workers are: forked by
// spawn_child, respawned when one dies, throttled by a ProcessTable when it
// dies young, killed when its heartbeat goes stale (the Supervisor's check
// covers every scoreboard entry it holds), stopped with the daemon. None of
// them serves clients: one dying or hanging never touches serving.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/master/process_table.h"
#include "daemon/scoreboard.h"

namespace ackd {

// What an auxiliary process gets in the child.
struct AuxChild {
  ScoreboardEntry* entry = nullptr;  // its own: heartbeat and state are its to write
  size_t entry_index = 0;            // in the scoreboard
  pid_t master_pid = 0;
};

struct AuxRole {
  ProcessRole role = ProcessRole::kMetrics;
  // Runs in the forked child, after the master's own fds are closed; its
  // result is the exit status. It says kServing in its entry once it does
  // its job, and beats the heartbeat at least every worker_timeout.
  std::function<int(const AuxChild&)> body;
  std::vector<int> keep_fds;  // of the master's fds, those the body uses
};

struct AuxRow {  // for `ackctl status`
  ProcessRole role = ProcessRole::kMetrics;
  pid_t pid = 0;  // 0: none running (waiting for a respawn)
  uint64_t restarts = 0;
};

class AuxProcesses {
 public:
  explicit AuxProcesses(Scoreboard& scoreboard, RespawnPolicy policy = {});

  // Wants a process of this role from now on, running `role.body` (the next
  // one started does; see restart()).
  void want(AuxRole role);
  // Wants none of this role any more: its process is stopped (TERM).
  void drop(ProcessRole role);
  // Stops the process of this role (TERM); the next maintain() starts
  // another with the latest body. For a reload.
  void restart(ProcessRole role);
  // Starts the processes that are due. `close_in_child`: the master's own
  // fds, closed in the child before its body runs.
  void maintain(TimePoint now, uint32_t generation, const std::vector<int>& close_in_child);
  // A reaped child: true if it was one of ours (then logged, its respawn
  // planned). `stopping`: the daemon stops, a TERM death is clean.
  bool reaped(pid_t pid, int status, TimePoint now, bool stopping);
  // Stops every process for good (the daemon stops).
  void stop();
  void signal_all(int signo);

  std::optional<TimePoint> next_due() const;
  size_t running() const;
  std::vector<pid_t> pids() const;
  std::vector<AuxRow> rows() const;

 private:
  struct Role {
    AuxRole spec;
    ProcessTable table;  // one slot while wanted, none after
  };
  Role* find(ProcessRole role);
  void spawn(Role& role, TimePoint now, uint32_t generation,
             const std::vector<int>& close_in_child);

  Scoreboard& scoreboard_;
  RespawnPolicy policy_;
  std::vector<Role> roles_;
};

}  // namespace ackd

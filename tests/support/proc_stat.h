// What /proc says about a process, for the supervisor tests: alive (a zombie
// is not), CPU time used, credentials; and the test's own fd limit.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ackd::test {

// True if `pid` exists and is not a zombie (a reaped-later orphan is dead).
bool alive(pid_t pid);

// The state letter of /proc/<pid>/stat ('R', 'S', 'T', 'Z'...); '?' if gone.
char process_state(pid_t pid);

// Every process of the daemon but the master: workers, or dispatchers and
// their connection processes.
std::vector<pid_t> serving_processes(pid_t master);

// The whole daemon killed at once, as by a power cut: stop_whole_daemon,
// then kill_stopped_daemon. Returns the pids killed besides the master's.
std::vector<pid_t> kill_whole_daemon(pid_t master);

// Every process of the daemon stopped. Each generation is seen stopped
// (SIGSTOP, then state 'T') before its children are listed, so nothing
// forks or respawns in between; the last (connection processes) are sent
// SIGSTOP, not waited for. Returns the pids stopped besides the master's.
std::vector<pid_t> stop_whole_daemon(pid_t master);

// Then each one killed, deepest first: none of them runs again (none
// answers a client after the cut).
void kill_stopped_daemon(pid_t master, const std::vector<pid_t>& pids);

// True while `signo` is pending for `pid` (sent, not yet delivered: the
// process has not run since, or blocks it). A signal the process ignores
// is never pending; one it handles is delivered when it next runs.
bool signal_pending(pid_t pid, int signo);

// utime + stime of `pid` in clock ticks (sysconf(_SC_CLK_TCK) per second).
std::optional<int64_t> cpu_ticks(pid_t pid);

// The numbers of a line of /proc/<pid>/status, e.g. "Uid" (real, effective,
// saved, filesystem) or "Groups"; empty if the process is gone.
std::vector<uint64_t> status_numbers(pid_t pid, const std::string& field);

// Raises our soft RLIMIT_NOFILE to at least `wanted` (up to the hard limit);
// returns the soft limit now in force.
uint64_t raise_fd_limit(uint64_t wanted);

}  // namespace ackd::test

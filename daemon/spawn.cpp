#include "daemon/spawn.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <exception>

#include <spdlog/spdlog.h>

#include "common/syscall.h"
#include "daemon/signals.h"

namespace ackd {

pid_t spawn_child(const std::function<int()>& body, int parent_death_signal) {
  pid_t parent = getpid();
  // Buffered log lines would otherwise be written by both processes.
  if (auto* logger = spdlog::default_logger_raw()) logger->flush();
  // Signals stay blocked across fork: one delivered to the child before it
  // has its own handlers would run the parent's (and be lost). The child's
  // SignalPipe unblocks them once its handlers are in place.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &previous);
  pid_t pid = fork();
  if (pid != 0) {
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0) throw_errno("fork", "", fork_errno);
    return pid;
  }

  SignalPipe::forget_in_child();
  prctl(PR_SET_PDEATHSIG, parent_death_signal);
  if (getppid() != parent) _exit(0);  // the parent died before prctl
  int status = 1;
  try {
    status = body();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
  }
  if (auto* logger = spdlog::default_logger_raw()) logger->flush();  // _exit skips destructors
  _exit(status);
}

void close_fds_except(std::initializer_list<int> keep) {
  // No allocation: a fork-mode connection process calls this first thing,
  // and a malloc there copies heap pages it shares with its dispatcher.
  unsigned first = 3;
  while (true) {
    int next_kept = INT_MAX;  // the lowest kept fd at or above `first`
    for (int fd : keep) {
      if (fd >= static_cast<int>(first) && fd < next_kept) next_kept = fd;
    }
    if (next_kept == INT_MAX) break;
    if (static_cast<unsigned>(next_kept) > first) {
      close_range(first, static_cast<unsigned>(next_kept) - 1, 0);
    }
    first = static_cast<unsigned>(next_kept) + 1;
  }
  close_range(first, ~0U, 0);
}

}  // namespace ackd

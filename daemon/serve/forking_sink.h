// ForkingSink: fork mode's way of serving a connection, the tutorial's:
// a new process per accepted connection, at most `max_children` at once
// (this dispatcher's share; beyond it the acceptors pause and clients wait
// in the backlog, or are accepted by another dispatcher). When fork fails
// (out of processes or memory), the connection is closed and the acceptors
// pause for a while, as at EMFILE.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <system_error>
#include <unordered_set>

#include "daemon/config/config.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/spool_relay.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/stream_acceptor.h"

namespace ackd {

class ForkingSink final : public AcceptSink {
 public:
  // relay: where the connection processes send their records (nullptr: no spool).
  ForkingSink(const Config& config, unsigned max_children, ScoreboardEntry* entry,
              SpoolRelay* relay)
      : config_(config), max_children_(max_children), entry_(entry), relay_(relay) {}

  void accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) override;
  bool full() const override {
    return children_.size() >= max_children_ || (fork_failed_ && fork_paused());
  }

  // Reaps exited children (on SIGCHLD). Returns how many were reaped.
  size_t reap();
  // TERM or KILL at a stop; USR1, for them to reopen the log file.
  void signal_children(int signo) const;
  size_t children() const { return children_.size(); }
  uint64_t accepted() const { return accepted_; }

 private:
  const Config& config_;
  unsigned max_children_;
  ScoreboardEntry* entry_;
  SpoolRelay* relay_;
  std::unordered_set<pid_t> children_;
  uint64_t accepted_ = 0;
  bool fork_failed_ = false;  // paused until fork_retry_at_
  std::chrono::steady_clock::time_point fork_retry_at_{};
  LogThrottle fork_failure_log_;

  bool fork_paused() const { return std::chrono::steady_clock::now() < fork_retry_at_; }
  void fork_failed(int fd, const std::system_error& error);
};

// Serves one connection until it closes, in the current (forked) process,
// then ends the process.
[[noreturn]] void serve_connection_process(UniqueFd fd, const SocketAddress& peer,
                                           const ServedListener& listener, const Config& config,
                                           ScoreboardEntry* dispatcher_entry, int spool_channel);

}  // namespace ackd

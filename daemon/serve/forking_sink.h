// ForkingSink: fork mode's AcceptSink, the tutorial's way of serving: a new
// process per accepted connection (a ConnectionProcess), at most
// `max_children` at once (this dispatcher's share; beyond it the acceptors
// pause and clients wait in the backlog, or are accepted by another
// dispatcher). It owns the children: forks, reaps, signals and counts them
// (per source, at accept, or behind a PROXY header in slots the children fill),
// and writes the records they relay to the dispatcher's spool. When fork
// fails (out of processes or memory), the connection is closed and the
// acceptors pause for a while, as at EMFILE.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "common/steady_time.h"
#include "daemon/access/source_count.h"
#include "daemon/access/source_slots.h"
#include "daemon/config/config.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/spool_relay.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/accept_sink.h"
#include "daemon/serve/serve_core.h"

namespace ackd {

class ForkingSink final : public AcceptSink {
 public:
  // entry: the dispatcher's, where its children add their counts. The
  // children's records go to the record stages of core's recorder (the
  // spool, the replicated stream), if it has any.
  ForkingSink(const Config& config, unsigned max_children, ScoreboardEntry& entry, ServeCore& core);

  void accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) override;
  bool full() const override {
    return children_.size() >= max_children_ || (fork_failed_ && fork_paused());
  }

  size_t open_from(const SocketAddress& source) const override {
    return sources_.count(source_key(source));
  }
  size_t open_elsewhere() const override { return children_.size(); }
  // A child reaped may have left records unread on its channel (it relays
  // and exits while this loop turn runs): a channel closes once read to its end.
  bool idle() const override { return children_.empty() && (!relay_ || relay_->channels() == 0); }
  uint64_t handed_off() const override { return accepted_; }
  // Sends the children the confirmations of the records just stored.
  void after_commit() override;
  void reap() override;
  void pass_signal(int signo) override;

 private:
  // A child, and what it holds of the per-source counts: the source counted
  // at accept, or its slot in slots_ (counted there by the child itself).
  struct Child {
    std::optional<SourceKey> source;
    std::optional<size_t> slot;
  };

  bool fork_paused() const { return std::chrono::steady_clock::now() < fork_retry_at_; }
  void fork_failed(int fd, const std::system_error& error);
  void forget(const Child& child);

  const Config& config_;
  unsigned max_children_;
  ScoreboardEntry& entry_;
  ServeCore& core_;
  std::optional<SpoolRelay> relay_;  // with record stages: the children's channels
  std::unordered_map<pid_t, Child> children_;
  SourceCount sources_;
  // With a listener that counts sources behind a PROXY header: a slot per
  // child it may have, and those free.
  std::optional<SourceSlots> slots_;
  std::vector<size_t> free_slots_;
  uint64_t accepted_ = 0;
  bool fork_failed_ = false;  // paused until fork_retry_at_
  SteadyTime fork_retry_at_{};
  LogThrottle fork_failure_log_;
};

}  // namespace ackd

// ServeLoop: the event loop of every serving process (prefork worker, fork
// mode dispatcher, forked connection). It runs the acceptors, datagram
// servers and connections, and on TERM (or the master's death) stops
// accepting, drains in-flight messages and exits within shutdown_timeout.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/record/recorder.h"
#include "daemon/record/relayed_spool.h"
#include "daemon/record/spool_relay.h"
#include "daemon/record/spool_writer.h"
#include "daemon/replicate/forwarder.h"
#include "daemon/replicate/replication_stage.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/connection_set.h"
#include "daemon/serve/datagram_server.h"
#include "daemon/serve/event_loop.h"
#include "daemon/serve/forking_sink.h"
#include "daemon/serve/stream_acceptor.h"
#include "daemon/signals.h"

namespace ackd {

class ServeLoop final : public EventHandler {
 public:
  // A worker or a fork-mode dispatcher, with a spool of its own if the
  // config has one. master_pid: stop when it is no longer our parent (0: do
  // not watch). entry: where to publish heartbeat and counters (nullptr:
  // nowhere).
  ServeLoop(const Config& config, pid_t master_pid, ScoreboardEntry* entry = nullptr);

  // A fork-mode connection process: relays its records to its dispatcher
  // (spool_channel, -1: no spool) and adds its counts to the dispatcher's
  // entry once, at exit.
  struct ConnectionProcess {
    ScoreboardEntry* dispatcher_entry;
    int spool_channel;
  };
  ServeLoop(const Config& config, const ConnectionProcess& process);

  EventLoop& loop() { return loop_; }
  Recorder& recorder() { return recorder_; }
  ConnectionSet& connections() { return connections_; }

  // The UDP reply budgets every worker shares (the master's); before
  // serve(). Without them, this process keeps budgets of its own.
  void share_reply_budget(ReplyBudget* budget) { reply_budget_ = budget; }
  // Serves `listeners` (kept alive by the caller); streams go to `sink`.
  void serve(std::vector<ServedListener>& listeners, AcceptSink& sink);
  // Fork mode: children to reap on SIGCHLD and to wait for on stop.
  void watch_children(ForkingSink* children) { children_ = children; }
  // Fork mode: the dispatcher's relay of its children's records to its
  // record stages (nullptr: no stage).
  SpoolRelay* spool_relay() { return relay_.get(); }

  // Runs until stopped and drained; with exit_when_idle, also once no
  // connection is left. Returns the exit status.
  int run(bool exit_when_idle);

  void handle_event(uint32_t events) override;  // the signal pipe

 private:
  ServeLoop(const Config& config, pid_t master_pid, ScoreboardEntry* entry, bool accumulate);

  void on_signals();
  // successor: another process serves this one's clients next.
  void begin_stop(const char* why, bool successor);
  bool idle() const;
  void tick(SteadyTime now);
  void publish(WorkerState state);
  void accumulate_counters();
  void check_max_requests();
  void commit_and_flush();

  const Config& config_;
  pid_t master_pid_;
  std::optional<SignalPipe> signals_;  // made before the first wait
  EventLoop loop_;
  Recorder recorder_;
  ConnectionSet connections_;
  std::vector<std::unique_ptr<StreamAcceptor>> acceptors_;
  ReplyBudget* reply_budget_ = nullptr;
  std::unique_ptr<ReplyBudget> own_reply_budget_;
  std::vector<std::unique_ptr<DatagramServer>> datagram_servers_;
  ForkingSink* children_ = nullptr;
  std::unique_ptr<SpoolWriter> spool_;             // a worker's or a dispatcher's
  std::unique_ptr<ReplicationStage> replication_;  // likewise (mode = "sync")
  std::unique_ptr<Forwarder> forwarder_;           // worker 0's (mode = "forward")
  std::unique_ptr<SpoolRelay> relay_;              // a dispatcher's, for its children
  std::unique_ptr<RelayedSpool> relayed_spool_;    // a connection process's
  ScoreboardEntry* entry_;
  bool accumulate_;
  uint64_t max_requests_ = 0;  // with its jitter; 0: never recycle
  uint64_t published_messages_ = 0, published_acks_ = 0, published_errors_ = 0;
  bool signalled_ = false;
  bool reading_paused_ = false;  // a record stage is saturated
  bool stopping_ = false;
  SteadyTime stop_deadline_{};
  SteadyTime next_sweep_{};
};

}  // namespace ackd

// WorkerLoop: the loop of a long-lived serving process, a prefork worker or
// a fork-mode dispatcher (the two differ only in their AcceptSink). It runs
// the acceptors and the datagram servers, publishes its heartbeat and
// counters in the scoreboard, recycles itself after max_requests, and on
// TERM (or the master's death) stops accepting, drains in-flight messages
// and exits within shutdown_timeout.
#pragma once

#include <sys/types.h>

#include <memory>
#include <vector>

#include "common/steady_time.h"
#include "daemon/config/config.h"
#include "daemon/scoreboard.h"
#include "daemon/serve/accept_sink.h"
#include "daemon/serve/datagram_server.h"
#include "daemon/serve/reply_budget.h"
#include "daemon/serve/serve_core.h"
#include "daemon/serve/stream_acceptor.h"
#include "daemon/signals.h"

namespace ackd {

// What a worker is tied to: the master it watches (stop when it is no
// longer the parent), its scoreboard entry, and the UDP reply budgets every
// worker shares. All three are the master's, made before the fork.
struct WorkerTies {
  pid_t master_pid;
  ScoreboardEntry& entry;
  ReplyBudget& reply_budget;
};

class WorkerLoop final : public EventHandler {
 public:
  WorkerLoop(const Config& config, ServeCore& core, AcceptSink& sink, const WorkerTies& ties);

  // Serves `listeners` (kept alive by the caller): streams go to the sink.
  void serve(std::vector<ServedListener>& listeners);
  // Runs until stopped and drained. Returns the exit status.
  int run();

  void handle_event(uint32_t events) override;  // the signal pipe

 private:
  void commit_and_flush();
  void on_signals();
  // successor: another process serves this one's clients next.
  void begin_stop(const char* why, bool successor);
  bool idle() const { return core_.idle() && sink_.idle(); }
  void publish(WorkerState state);
  void publish_meters(SteadyTime now);
  void check_max_requests();

  const Config& config_;
  ServeCore& core_;
  AcceptSink& sink_;
  WorkerTies ties_;
  SignalPipe signals_;
  std::vector<std::unique_ptr<StreamAcceptor>> acceptors_;
  std::vector<std::unique_ptr<DatagramServer>> datagram_servers_;
  std::vector<ServedListener*> listeners_;  // their meters: end of turn, publish
  static constexpr auto kMeterInterval = std::chrono::milliseconds(100);
  SteadyTime next_meter_publish_{};
  uint64_t max_requests_ = 0;  // with its jitter; 0: never recycle
  uint64_t published_messages_ = 0, published_replies_ = 0, published_errors_ = 0,
           published_refused_ = 0;
  bool signalled_ = false;
  bool stopping_ = false;
  SteadyTime stop_deadline_{};
};

}  // namespace ackd

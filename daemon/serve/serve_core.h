// ServeCore: what every serving process has, whatever its role (a prefork
// worker, a fork-mode dispatcher, a connection process): its event loop,
// its recorder (with the stages the role adds), the stream connections it
// serves, and the loop turn: wait, commit the turn's records in one go,
// release the replies they settled, free what closed, sweep deadlines.
#pragma once

#include <chrono>
#include <vector>

#include "common/steady_time.h"
#include "daemon/config/config.h"
#include "daemon/event_loop.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/connection_set.h"

namespace ackd {

// The end of a loop turn: the clock read for it, and whether deadlines
// were swept (every kSweepInterval).
struct TurnEnd {
  SteadyTime now;
  bool swept;
};

class ServeCore {
 public:
  // How long a turn waits at most, and how often deadlines are swept.
  static constexpr auto kSweepInterval = std::chrono::milliseconds(250);

  explicit ServeCore(const DaemonConfig& daemon);

  EventLoop& loop() { return loop_; }
  Recorder& recorder() { return recorder_; }
  ConnectionSet& connections() { return connections_; }

  // Waits up to kSweepInterval and dispatches what is ready.
  void wait() { loop_.run_once(static_cast<int>(kSweepInterval.count())); }
  // The records of this turn are stored in one go (one write and one
  // fdatasync, or one send to the dispatcher), then the replies the stages
  // settled leave, connection by connection, and the turn's tasks run.
  // While a stage is saturated, connections are not read (backpressure).
  void commit_and_flush();
  // Runs `task` after each turn's commit (kept alive by the caller).
  void add_turn_task(TurnTask* task) { turn_tasks_.push_back(task); }
  // A stage is saturated: clients are not read until it is not.
  bool reading_paused() const { return reading_paused_; }
  // After a turn's commit: flushes the log, reads the clock once for the
  // turn, frees the connections that closed, and every kSweepInterval
  // checks their deadlines.
  TurnEnd end_turn();
  // Nothing left to serve: no connection, nothing recorded still to store.
  bool idle() const { return connections_.size() == 0 && recorder_.idle(); }

 private:
  EventLoop loop_;
  Recorder recorder_;
  ConnectionSet connections_;
  std::vector<TurnTask*> turn_tasks_;
  bool reading_paused_ = false;
  SteadyTime next_sweep_{};
};

}  // namespace ackd

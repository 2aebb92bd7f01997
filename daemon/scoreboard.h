// Scoreboard: shared memory with one entry per live worker, as Apache's
// scoreboard. Each worker writes only its own entry (heartbeat, state,
// counters); the master reads them all to kill workers that stopped making
// progress and to answer status requests without ever asking a worker.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "daemon/replicate/replication_board.h"

namespace ackd {

enum class WorkerState : uint8_t { kFree, kStarting, kServing, kDraining };

const char* to_string(WorkerState state);

// The daemon as a whole, written by the master for the workers to tell (a
// load balancer's agent answers "drain" unless it is kServing): draining
// before a stop (drain_before_stop), handing over to a new binary, stopping.
enum class DaemonState : uint8_t { kServing, kDraining, kUpgrading, kStopping };

const char* to_string(DaemonState state);

// Written by one process, read by another: atomics with relaxed order are
// enough (each field is a value of its own; no field guards another).
struct ScoreboardEntry {
  std::atomic<pid_t> pid{0};
  std::atomic<uint32_t> generation{0};
  std::atomic<uint32_t> slot{0};
  std::atomic<WorkerState> state{WorkerState::kFree};
  std::atomic<int64_t> heartbeat_ms{0};  // steady clock, milliseconds
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> replies{0};  // by the listeners' services (acks, echoes)
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> dropped{0};  // UDP replies over the amplification bound
  std::atomic<uint64_t> refused{0};  // by allow, deny or a per-source limit
  // Set by the master before it retires the worker (reload, upgrade, fewer
  // workers): others serve its clients next, so idle keep-alive connections
  // are kept until they can be closed with an ack (see StreamConnection).
  std::atomic<bool> successor{false};
  ReplicationBoard replication;  // written by the worker's replication stage
};

class Scoreboard {
 public:
  explicit Scoreboard(size_t capacity);  // throws std::system_error
  ~Scoreboard();
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;

  size_t capacity() const { return capacity_; }
  ScoreboardEntry& entry(size_t index) { return entries_[index]; }
  const ScoreboardEntry& entry(size_t index) const { return entries_[index]; }

  // Master: sets the daemon's state; anyone: reads it.
  void set_daemon_state(DaemonState state) {
    daemon_state_->store(state, std::memory_order_relaxed);
  }
  DaemonState daemon_state() const { return daemon_state_->load(std::memory_order_relaxed); }

  // Master: claims a free entry for a worker about to start.
  std::optional<size_t> claim(uint32_t generation, uint32_t slot, int64_t now_ms);
  // Master: the entry of a worker, once it has been reaped.
  std::optional<size_t> find(pid_t pid) const;
  void release(size_t index);

 private:
  size_t capacity_;
  void* memory_;
  std::atomic<DaemonState>* daemon_state_;  // at the start of memory_
  ScoreboardEntry* entries_;                // after it
};

int64_t steady_now_ms();

}  // namespace ackd

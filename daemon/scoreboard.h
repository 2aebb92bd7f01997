// Scoreboard: shared memory with one entry per live process of the master
// (workers, and auxiliary processes such as the metrics exporter), as
// Apache's scoreboard. Each process writes only its own entry (heartbeat,
// state, counters); the master reads them all to kill processes that stopped
// making progress and to answer status requests without ever asking one.
//
// Its totals never go backwards: a claimed entry keeps what the processes
// that held it before counted (carried), and a header holds what the
// masters count (restarts, reloads, upgrades). It lives in a memfd that a
// binary upgrade passes to the new master, which then shares it with the
// old one: the totals survive worker restarts, reloads and upgrades alike.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/unique_fd.h"
#include "daemon/listener_board.h"
#include "daemon/process_role.h"
#include "daemon/replicate/replication_board.h"
#include "daemon/spool_board.h"

namespace ackd {

// kClaimed: a master is filling the entry in; nobody else looks at it yet.
enum class WorkerState : uint8_t { kFree, kStarting, kServing, kDraining, kClaimed };

const char* to_string(WorkerState state);

// The daemon as a whole, written by the master for the workers to tell (a
// load balancer's agent answers "drain" unless it is kServing): draining
// before a stop (drain_before_stop), handing over to a new binary, stopping.
// Each master has its own: during an upgrade the old one drains while the
// new one serves, in one shared table.
enum class DaemonState : uint8_t { kServing, kDraining, kUpgrading, kStopping };

const char* to_string(DaemonState state);

// The serving counters, as a value: what read_counts() and the totals return.
struct ServeCounts {
  uint64_t connections = 0;  // accepted
  uint64_t messages = 0;
  uint64_t replies = 0;
  uint64_t errors = 0;
  uint64_t udp_dropped = 0;  // UDP replies over the amplification bound
  uint64_t refused = 0;      // every Refusal (access/refusal.h)
  uint64_t replicated = 0;   // records the replicated stream stored (ReplicationBoard)
  uint64_t replication_failed = 0;

  ServeCounts& operator+=(const ServeCounts& other);
};

// Written by the master that claims an entry: the totals of the processes
// that held it before (their replication board's stored and failed too).
struct CarriedCounts {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> replies{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> udp_dropped{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> replicated{0};
  std::atomic<uint64_t> replication_failed{0};
};

// Written by one process, read by another: atomics with relaxed order are
// enough (each field is a value of its own; no field guards another), but
// for `sequence`, which orders the move of counters into `carried`. An
// entry takes a cache line of its own, so workers never share one.
struct alignas(64) ScoreboardEntry {
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
  std::atomic<uint64_t> refused{0};  // every Refusal (access/refusal.h)
  // Set by the master before it retires the worker (reload, upgrade, fewer
  // workers): others serve its clients next, so idle keep-alive connections
  // are kept until they can be closed with an ack (see StreamConnection).
  std::atomic<bool> successor{false};

  // Set by the master that claimed the entry.
  std::atomic<pid_t> owner{0};
  std::atomic<ProcessRole> role{ProcessRole::kWorker};
  // Odd while that master moves the counters above into `carried`; readers
  // (read_counts) retry, so that a total never dips or counts twice.
  std::atomic<uint32_t> sequence{0};
  CarriedCounts carried;
  ReplicationBoard replication;  // written by the worker's replication stage
};

// What the masters count, in the shared header (fetch_add: during an
// upgrade the old and the new master both write).
struct RoleCounters {
  std::atomic<uint64_t> restarts{0};     // replaced after a crash
  std::atomic<uint64_t> throttled{0};    // respawns delayed: died young
  std::atomic<uint64_t> hung_killed{0};  // killed for a stale heartbeat
};

struct MasterCounters {
  RoleCounters roles[kMaxRoles];
  std::atomic<uint64_t> reloads_ok{0};
  std::atomic<uint64_t> reloads_failed{0};
  std::atomic<uint64_t> upgrades_ok{0};
  std::atomic<uint64_t> upgrades_failed{0};

  RoleCounters& role(ProcessRole r) { return roles[static_cast<size_t>(r)]; }
  const RoleCounters& role(ProcessRole r) const { return roles[static_cast<size_t>(r)]; }
};

struct ScoreboardHeader;

class Scoreboard {
 public:
  // A new scoreboard in a new memfd. Throws std::system_error.
  explicit Scoreboard(size_t capacity);
  // Maps a scoreboard passed by another process (a previous master, or the
  // master to the metrics exporter). Throws std::system_error, or
  // std::runtime_error if its layout is not this build's.
  explicit Scoreboard(UniqueFd fd);
  ~Scoreboard();
  Scoreboard(Scoreboard&& other) noexcept;
  Scoreboard& operator=(Scoreboard&& other) noexcept;
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;

  size_t capacity() const { return capacity_; }
  ScoreboardEntry& entry(size_t index) { return entries_[index]; }
  const ScoreboardEntry& entry(size_t index) const { return entries_[index]; }
  MasterCounters& counters();
  const MasterCounters& counters() const;
  // Every listener's counters, by name (listener_board.h).
  ListenerBoard& listeners();
  const ListenerBoard& listeners() const;
  // The spool writers' sync times (spool_board.h).
  SpoolBoard& spool();
  const SpoolBoard& spool() const;
  // The memfd (CLOEXEC): passed at a binary upgrade and to the exporter.
  int fd() const { return fd_.get(); }

  // Master: sets the daemon's state; anyone: reads it. This master's, in a
  // page of its own beside the shared table.
  void set_daemon_state(DaemonState state) {
    daemon_state_->store(state, std::memory_order_relaxed);
  }
  DaemonState daemon_state() const { return daemon_state_->load(std::memory_order_relaxed); }

  // Master: claims a free entry for a process about to start, folding the
  // counters of its previous holder into `carried`. Safe against another
  // master claiming in the same table.
  std::optional<size_t> claim(ProcessRole role, uint32_t generation, uint32_t slot, int64_t now_ms);
  // Master: the entry of a process, once it has been reaped.
  std::optional<size_t> find(pid_t pid) const;
  void release(size_t index);

 private:
  void map(size_t capacity);
  void map_daemon_state();

  UniqueFd fd_;
  size_t capacity_ = 0;
  ScoreboardHeader* header_ = nullptr;
  ScoreboardEntry* entries_ = nullptr;
  std::atomic<DaemonState>* daemon_state_ = nullptr;
};

// The entry holds a process of `owner` (a master's pid): claimed, filled
// in, not yet released.
bool held_by(const ScoreboardEntry& entry, pid_t owner);
// The entry holds a process of any master.
bool in_use(const ScoreboardEntry& entry);

// What the entry's processes counted, carried included, read consistently:
// a reader that comes in the middle of a move waits for its end, at most
// `move_wait`: a move takes a few hundred nanoseconds, unless its master is
// preempted (or killed: then the sequence stays odd, and the reader takes
// what it reads).
inline constexpr std::chrono::milliseconds kMoveWait{50};
ServeCounts read_counts(const ScoreboardEntry& entry,
                        std::chrono::milliseconds move_wait = kMoveWait);

int64_t steady_now_ms();

}  // namespace ackd

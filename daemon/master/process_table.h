// ProcessTable: the master's policy for its worker pool. It decides which
// worker slots to (re)spawn and when, and throttles crash loops with an
// exponential backoff (as Postfix's master does). It never forks and never
// reads the clock: callers pass `now`, so it is unit-tested with a fake clock.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace ackd {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct RespawnPolicy {
  // A worker that exits sooner than this after its start "died young".
  std::chrono::milliseconds min_uptime{1000};
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{30000};
};

struct WorkerExit {
  size_t slot = 0;
  bool died_young = false;
  std::chrono::milliseconds respawn_delay{0};  // 0: at once
  bool throttling_started = false;             // first young death of a streak
};

class ProcessTable {
 public:
  explicit ProcessTable(RespawnPolicy policy = {}) : policy_(policy) {}

  // Sets the number of slots. Returns the pids of running workers in slots
  // beyond the new size: the caller stops them.
  std::vector<pid_t> resize(size_t slots);
  size_t size() const { return slots_.size(); }

  // Empty slots whose respawn time has come.
  std::vector<size_t> due_slots(TimePoint now) const;
  void started(size_t slot, pid_t pid, TimePoint now);
  // fork() failed for this slot: try again after the crash backoff.
  void failed_to_start(size_t slot, TimePoint now);
  // An exited worker, or nullopt for a pid that is not in a slot. A clean
  // exit (recycled, stopped) is never counted as a crash.
  std::optional<WorkerExit> exited(pid_t pid, TimePoint now, bool clean = false);
  // The process in `slot`, 0 if none.
  pid_t pid_in(size_t slot) const { return slot < slots_.size() ? slots_[slot].pid : 0; }
  // True for a worker in a slot (not retired, not a stranger).
  bool owns(pid_t pid) const;
  // How many times the worker in `slot` was replaced after a crash.
  uint64_t restarts(size_t slot) const { return slot < slots_.size() ? slots_[slot].restarts : 0; }
  // True once when a crash streak is over: a worker started after the last
  // young death has been up for min_uptime.
  bool recovered(TimePoint now);

  // When the next slot becomes due, if any slot is waiting.
  std::optional<TimePoint> next_due() const;
  std::vector<pid_t> pids() const;  // running workers, in every slot
  size_t running() const;
  int crash_streak() const { return streak_; }

 private:
  struct Slot {
    pid_t pid = 0;  // 0: empty
    TimePoint started_at{};
    TimePoint due_at{};
    uint64_t restarts = 0;
  };
  std::chrono::milliseconds backoff_for(int streak) const;

  RespawnPolicy policy_;
  std::vector<Slot> slots_;
  std::vector<pid_t> retired_;  // removed by resize, still running
  int streak_ = 0;
  TimePoint last_young_death_{};
};

}  // namespace ackd

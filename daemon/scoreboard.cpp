#include "daemon/scoreboard.h"

#include <sys/mman.h>

#include <chrono>
#include <new>

#include "common/syscall.h"

namespace ackd {

const char* to_string(WorkerState state) {
  switch (state) {
    case WorkerState::kFree:
      return "free";
    case WorkerState::kStarting:
      return "starting";
    case WorkerState::kServing:
      return "serving";
    case WorkerState::kDraining:
      return "draining";
  }
  return "?";
}

const char* to_string(DaemonState state) {
  switch (state) {
    case DaemonState::kServing:
      return "serving";
    case DaemonState::kDraining:
      return "draining";
    case DaemonState::kUpgrading:
      return "upgrading";
    case DaemonState::kStopping:
      return "stopping";
  }
  return "?";
}

namespace {
// The daemon's state, then the entries, each aligned as its type needs.
constexpr size_t kEntriesOffset = alignof(ScoreboardEntry) > sizeof(std::atomic<DaemonState>)
                                      ? alignof(ScoreboardEntry)
                                      : sizeof(std::atomic<DaemonState>);
size_t mapping_size(size_t capacity) { return kEntriesOffset + capacity * sizeof(ScoreboardEntry); }
}  // namespace

Scoreboard::Scoreboard(size_t capacity) : capacity_(capacity) {
  memory_ = mmap(nullptr, mapping_size(capacity), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory_ == MAP_FAILED) throw_errno("mmap", "scoreboard");
  daemon_state_ = new (memory_) std::atomic<DaemonState>(DaemonState::kServing);
  entries_ = reinterpret_cast<ScoreboardEntry*>(static_cast<char*>(memory_) + kEntriesOffset);
  for (size_t i = 0; i < capacity; ++i) new (&entries_[i]) ScoreboardEntry();
}

Scoreboard::~Scoreboard() { munmap(memory_, mapping_size(capacity_)); }

std::optional<size_t> Scoreboard::claim(uint32_t generation, uint32_t slot, int64_t now_ms) {
  for (size_t i = 0; i < capacity_; ++i) {
    ScoreboardEntry& e = entries_[i];
    if (e.state.load(std::memory_order_relaxed) != WorkerState::kFree) continue;
    e.pid.store(0, std::memory_order_relaxed);
    e.generation.store(generation, std::memory_order_relaxed);
    e.slot.store(slot, std::memory_order_relaxed);
    e.heartbeat_ms.store(now_ms, std::memory_order_relaxed);
    for (auto* counter : {&e.open_connections, &e.connections, &e.messages, &e.replies, &e.errors,
                          &e.dropped, &e.refused}) {
      counter->store(0, std::memory_order_relaxed);
    }
    e.successor.store(false, std::memory_order_relaxed);
    e.replication.reset();
    e.state.store(WorkerState::kStarting, std::memory_order_relaxed);
    return i;
  }
  return std::nullopt;
}

std::optional<size_t> Scoreboard::find(pid_t pid) const {
  for (size_t i = 0; i < capacity_; ++i) {
    if (entries_[i].state.load(std::memory_order_relaxed) != WorkerState::kFree &&
        entries_[i].pid.load(std::memory_order_relaxed) == pid) {
      return i;
    }
  }
  return std::nullopt;
}

void Scoreboard::release(size_t index) {
  entries_[index].state.store(WorkerState::kFree, std::memory_order_relaxed);
}

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace ackd

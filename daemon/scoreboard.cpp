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

Scoreboard::Scoreboard(size_t capacity) : capacity_(capacity) {
  void* memory = mmap(nullptr, capacity * sizeof(ScoreboardEntry), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap", "scoreboard");
  entries_ = static_cast<ScoreboardEntry*>(memory);
  for (size_t i = 0; i < capacity; ++i) new (&entries_[i]) ScoreboardEntry();
}

Scoreboard::~Scoreboard() { munmap(entries_, capacity_ * sizeof(ScoreboardEntry)); }

std::optional<size_t> Scoreboard::claim(uint32_t generation, uint32_t slot, int64_t now_ms) {
  for (size_t i = 0; i < capacity_; ++i) {
    ScoreboardEntry& e = entries_[i];
    if (e.state.load(std::memory_order_relaxed) != WorkerState::kFree) continue;
    e.pid.store(0, std::memory_order_relaxed);
    e.generation.store(generation, std::memory_order_relaxed);
    e.slot.store(slot, std::memory_order_relaxed);
    e.heartbeat_ms.store(now_ms, std::memory_order_relaxed);
    e.started_ms.store(now_ms, std::memory_order_relaxed);
    for (auto* counter :
         {&e.open_connections, &e.connections, &e.messages, &e.acks, &e.errors, &e.dropped}) {
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

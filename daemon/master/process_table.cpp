#include "daemon/master/process_table.h"

#include <algorithm>

namespace ackd {

std::vector<pid_t> ProcessTable::resize(size_t slots) {
  std::vector<pid_t> to_stop;
  for (size_t i = slots; i < slots_.size(); ++i) {
    if (slots_[i].pid > 0) to_stop.push_back(slots_[i].pid);
  }
  retired_.insert(retired_.end(), to_stop.begin(), to_stop.end());
  slots_.resize(slots);
  return to_stop;
}

std::vector<size_t> ProcessTable::due_slots(SteadyTime now) const {
  std::vector<size_t> due;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].pid == 0 && slots_[i].due_at <= now) due.push_back(i);
  }
  return due;
}

void ProcessTable::started(size_t slot, pid_t pid, SteadyTime now) {
  slots_.at(slot).pid = pid;
  slots_[slot].started_at = now;
}

std::chrono::milliseconds ProcessTable::backoff_for(int streak) const {
  auto delay = policy_.initial_backoff;
  for (int i = 1; i < streak && delay < policy_.max_backoff; ++i) delay *= 2;
  return std::min(delay, policy_.max_backoff);
}

bool ProcessTable::owns(pid_t pid) const {
  return std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.pid == pid; });
}

std::optional<WorkerExit> ProcessTable::exited(pid_t pid, SteadyTime now, bool clean) {
  auto retired = std::find(retired_.begin(), retired_.end(), pid);
  if (retired != retired_.end()) {
    retired_.erase(retired);
    return std::nullopt;
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.pid != pid) continue;
    WorkerExit exit;
    exit.slot = i;
    exit.died_young = !clean && now - slot.started_at < policy_.min_uptime;
    slot.pid = 0;
    slot.due_at = now;
    if (!clean) ++slot.restarts;
    if (exit.died_young) {
      exit.throttling_started = streak_ == 0;
      ++streak_;
      last_young_death_ = now;
      exit.respawn_delay = backoff_for(streak_);
      slot.due_at = now + exit.respawn_delay;
    }
    return exit;
  }
  return std::nullopt;
}

void ProcessTable::failed_to_start(size_t slot, SteadyTime now) {
  ++streak_;
  last_young_death_ = now;
  slots_.at(slot).due_at = now + backoff_for(streak_);
}

bool ProcessTable::recovered(SteadyTime now) {
  if (streak_ == 0) return false;
  for (const Slot& slot : slots_) {
    if (slot.pid > 0 && slot.started_at > last_young_death_ &&
        now - slot.started_at >= policy_.min_uptime) {
      streak_ = 0;
      return true;
    }
  }
  return false;
}

std::optional<SteadyTime> ProcessTable::next_due() const {
  std::optional<SteadyTime> next;
  for (const Slot& slot : slots_) {
    if (slot.pid == 0 && (!next || slot.due_at < *next)) next = slot.due_at;
  }
  return next;
}

std::vector<pid_t> ProcessTable::pids() const {
  std::vector<pid_t> pids = retired_;
  for (const Slot& slot : slots_) {
    if (slot.pid > 0) pids.push_back(slot.pid);
  }
  return pids;
}

size_t ProcessTable::running() const { return pids().size(); }

}  // namespace ackd

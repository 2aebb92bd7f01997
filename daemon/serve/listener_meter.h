// ListenerMeter: a serving process's counts for one listener (messages,
// replies, errors, bytes, reply latency), kept in plain integers on the hot
// path and added to the listener's row of the shared ListenerBoard once
// per loop turn. Latency is measured at the resolution of the loop turn:
// from the wake-up that read a message's last byte to the end of the turn
// whose write sent its reply (a held reply: to the commit that released
// it), which bounds the time the client waited on this process.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/steady_time.h"
#include "daemon/listener_board.h"

namespace ackd {

class ListenerMeter {
 public:
  ListenerMeter() = default;
  // Counts into `board`'s row for `name` (none if the board is null or full).
  ListenerMeter(ListenerBoard* board, std::string_view name);

  ListenerCounts& counts() { return counts_; }
  // A reply sent in the turn that received its message: its latency is
  // known at the turn's end (end_turn).
  void reply_in_turn() { ++replies_in_turn_; }
  // A reply held for a stage, released at `now`.
  void reply_released(SteadyTime received, SteadyTime now) {
    counts_.observe_latency(nanoseconds(now - received), 1);
  }
  void end_turn(SteadyTime started, SteadyTime ended);
  // Adds what was counted to the board.
  void publish();
  // A fork-mode connection process starts from zero (its copy of the
  // dispatcher's meter holds the dispatcher's unpublished counts).
  void forget() { counts_ = {}, replies_in_turn_ = 0; }

 private:
  static uint64_t nanoseconds(SteadyTime::duration d) {
    return d.count() > 0 ? static_cast<uint64_t>(
                               std::chrono::duration_cast<std::chrono::nanoseconds>(d).count())
                         : 0;
  }

  ListenerBoard* board_ = nullptr;
  std::optional<size_t> row_;
  ListenerCounts counts_;
  uint64_t replies_in_turn_ = 0;
};

}  // namespace ackd

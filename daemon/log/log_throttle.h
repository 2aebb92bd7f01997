// LogThrottle: a warning that can repeat as fast as its cause (accept at
// EMFILE, fork out of processes, a connection the event loop cannot take)
// is written at most once per interval, and the next line written says how
// many were suppressed meanwhile. It decides and counts; the caller logs.
// It reads no clock, so it is unit-tested with a fake one.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/steady_time.h"

namespace ackd {

class LogThrottle {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval = std::chrono::seconds(10);

  explicit LogThrottle(std::chrono::milliseconds interval = kDefaultInterval)
      : interval_(interval) {}

  // One occurrence at `now`. nullopt: suppressed (and counted). Otherwise
  // it is to be logged, with the returned note at the end of its line: ""
  // or " (N similar suppressed)", the count since the last line.
  std::optional<std::string> admit(SteadyTime now);
  // The cause is gone (accept works again). If the warning was logged since
  // the last such call, the line that says so is to be logged, with this
  // note; else nullopt. So a cause that comes and goes logs at most two
  // lines per interval.
  std::optional<std::string> end_run();
  uint64_t suppressed() const { return suppressed_; }

 private:
  std::string take_note();

  std::chrono::milliseconds interval_;
  std::optional<SteadyTime> last_logged_;
  bool run_logged_ = false;
  uint64_t suppressed_ = 0;
};

}  // namespace ackd

// Watchdog: systemd's WatchdogSec=. When WATCHDOG_USEC is set for this
// process, the master pings WATCHDOG=1 at half the interval, and only while
// its loop turns and its workers are healthy: a hung master (or a pool
// with no live worker) is restarted by systemd.
#pragma once

#include <chrono>
#include <optional>

#include "common/steady_time.h"

namespace ackd {

class Watchdog {
 public:
  // Reads WATCHDOG_USEC / WATCHDOG_PID; disabled when not meant for us.
  static Watchdog from_environment();

  bool enabled() const { return interval_.count() > 0; }
  std::optional<SteadyTime> next_ping() const;
  // Pings if due and `healthy`.
  void tick(SteadyTime now, bool healthy);

 private:
  std::chrono::microseconds interval_{0};  // half of WATCHDOG_USEC
  SteadyTime next_{};
};

}  // namespace ackd

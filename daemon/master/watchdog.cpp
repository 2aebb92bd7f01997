#include "daemon/master/watchdog.h"

#include <unistd.h>

#include <cstdlib>

#include "daemon/master/notify.h"

namespace ackd {

Watchdog Watchdog::from_environment() {
  Watchdog watchdog;
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (usec == nullptr || (pid != nullptr && std::atol(pid) != getpid())) return watchdog;
  long long value = std::atoll(usec);
  if (value > 0) watchdog.interval_ = std::chrono::microseconds(value / 2);
  watchdog.next_ = std::chrono::steady_clock::now();
  return watchdog;
}

std::optional<SteadyTime> Watchdog::next_ping() const {
  if (!enabled()) return std::nullopt;
  return next_;
}

void Watchdog::tick(SteadyTime now, bool healthy) {
  if (!enabled() || now < next_ || !healthy) return;
  notify("WATCHDOG=1");
  next_ = now + interval_;
}

}  // namespace ackd

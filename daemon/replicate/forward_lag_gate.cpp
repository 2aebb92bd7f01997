#include "daemon/replicate/forward_lag_gate.h"

#include <spdlog/spdlog.h>

#include "daemon/scoreboard_totals.h"

namespace ackd {
namespace {

// The forwarder publishes its lag every 5 ms at most; reading it more often
// would only cost walks of the scoreboard.
constexpr auto kReadInterval = std::chrono::milliseconds(5);

}  // namespace

void ForwardLagGate::commit() {
  SteadyTime now = SteadyClock::now();
  if (now < next_read_) return;
  next_read_ = now + kReadInterval;
  uint64_t lag = replication_totals(scoreboard_).forward_lag;
  bool over = lag >= max_lag_;
  if (over == over_) return;
  over_ = over;
  if (over) {
    if (auto note = log_.admit(now)) {
      spdlog::warn(
          "replication: {} bytes of spool are not in the stream yet (max_lag {}): clients wait "
          "until the forwarder ships them{}",
          lag, max_lag_, *note);
    }
  } else if (auto note = log_.end_run()) {
    spdlog::info("replication: the forwarder is under max_lag again: clients are read{}", *note);
  }
}

}  // namespace ackd

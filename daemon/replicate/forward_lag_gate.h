// ForwardLagGate: mode = "forward" with max_lag. The spool's records not
// yet in the stream are bounded: while the forwarder's lag is at max_lag,
// this process reads no client (backpressure, as a stage that is
// saturated), so clients wait instead of the lag growing without end when
// they write faster than the stream takes. The lag is the forwarder's
// (whichever process holds the spool's lock), read from the scoreboard.
#pragma once

#include <cstdint>

#include "common/steady_time.h"
#include "daemon/log/log_throttle.h"
#include "daemon/record/record_stage.h"
#include "daemon/scoreboard.h"

namespace ackd {

class ForwardLagGate final : public RecordStage {
 public:
  ForwardLagGate(const Scoreboard& scoreboard, uint64_t max_lag)
      : scoreboard_(scoreboard), max_lag_(max_lag) {}

  bool holds_replies() const override { return false; }
  void append(const SpoolRecord& /*record*/, Ticket /*ticket*/) override {}
  void commit() override;  // reads the lag (at most every few milliseconds)
  bool idle() const override { return true; }
  bool saturated() const override { return over_; }

 private:
  const Scoreboard& scoreboard_;
  uint64_t max_lag_;
  bool over_ = false;
  SteadyTime next_read_{};
  LogThrottle log_;
};

}  // namespace ackd

#include "daemon/log/log_throttle.h"

namespace ackd {

std::optional<std::string> LogThrottle::admit(SteadyTime now) {
  if (last_logged_ && now - *last_logged_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_logged_ = now;
  run_logged_ = true;
  return take_note();
}

std::optional<std::string> LogThrottle::end_run() {
  if (!run_logged_) return std::nullopt;
  run_logged_ = false;
  return take_note();
}

std::string LogThrottle::take_note() {
  if (suppressed_ == 0) return "";
  std::string note = " (" + std::to_string(suppressed_) + " similar suppressed)";
  suppressed_ = 0;
  return note;
}

}  // namespace ackd

#include "daemon/access/refusal_log.h"

#include <spdlog/spdlog.h>

#include "daemon/log/log_throttle.h"

namespace ackd {

void log_refusal(std::string_view listener, const SocketAddress& source, std::string_view why) {
  static LogThrottle throttle;  // one per process: a forked child gets a copy
  if (auto note = throttle.admit(std::chrono::steady_clock::now())) {
    spdlog::warn("listener {}: refused {}: {}{}", listener, source.to_string(), why, *note);
  }
}

}  // namespace ackd

// SharedLogThrottle: LogThrottle's rule (a warning at most once per
// interval; the next line written says how many were suppressed) for a
// warning that any of a family of processes may write: in fork mode each
// connection process lives for one connection, so a throttle of its own
// would let every one of them log. Its state lives in an anonymous shared
// mapping made before they fork, changed only with lock-free atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/steady_time.h"
#include "daemon/log/log_throttle.h"

namespace ackd {

class SharedLogThrottle {
 public:
  // Throws std::system_error if the mapping cannot be made.
  explicit SharedLogThrottle(std::chrono::milliseconds interval = LogThrottle::kDefaultInterval);
  ~SharedLogThrottle();
  SharedLogThrottle(const SharedLogThrottle&) = delete;
  SharedLogThrottle& operator=(const SharedLogThrottle&) = delete;

  // As LogThrottle::admit: nullopt (suppressed, counted), or the note to end
  // the line with ("" or " (N similar suppressed)").
  std::optional<std::string> admit(SteadyTime now);

 private:
  struct State {
    std::atomic<int64_t> last_logged_ms;  // kNever until the first line
    std::atomic<uint64_t> suppressed;
  };
  static_assert(std::atomic<int64_t>::is_always_lock_free, "shared between processes");

  std::chrono::milliseconds interval_;
  State* state_;
};

}  // namespace ackd

#include "daemon/log/shared_log_throttle.h"

#include <sys/mman.h>

#include <cerrno>
#include <limits>
#include <new>
#include <system_error>

namespace ackd {
namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::min();
}  // namespace

SharedLogThrottle::SharedLogThrottle(std::chrono::milliseconds interval) : interval_(interval) {
  void* memory =
      mmap(nullptr, sizeof(State), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    throw std::system_error(errno, std::generic_category(), "mmap(log throttle)");
  }
  state_ = new (memory) State{{kNever}, {0}};
}

SharedLogThrottle::~SharedLogThrottle() { munmap(state_, sizeof(State)); }

// Of processes that find the interval over at once, the one whose swap
// succeeds logs; the others count themselves suppressed.
std::optional<std::string> SharedLogThrottle::admit(SteadyTime now) {
  int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  int64_t last = state_->last_logged_ms.load(std::memory_order_relaxed);
  bool due = last == kNever || now_ms - last >= interval_.count();
  if (!due || !state_->last_logged_ms.compare_exchange_strong(last, now_ms)) {
    state_->suppressed.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  uint64_t suppressed = state_->suppressed.exchange(0, std::memory_order_relaxed);
  if (suppressed == 0) return "";
  return " (" + std::to_string(suppressed) + " similar suppressed)";
}

}  // namespace ackd

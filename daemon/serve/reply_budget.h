// ReplyBudget: keeps UDP from being a reflection amplifier. Per source
// address (its IP, any port), the bytes sent back within a window are
// bounded by the bytes received in it plus a burst, across the whole daemon:
// the table is shared memory that the master maps before it forks. Its size
// is fixed; sources that share a slot share its budget (never get more).
// Lock-free, so a worker killed mid-update wedges nobody.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/socket_address.h"
#include "common/steady_time.h"

namespace ackd {

class ReplyBudget {
 public:
  static constexpr size_t kDefaultSlots = 65536;  // 512 KiB
  static constexpr std::chrono::milliseconds kDefaultWindow = std::chrono::seconds(10);

  // Maps the table; `slots` is rounded up to a power of two. Throws
  // std::system_error.
  explicit ReplyBudget(size_t slots = kDefaultSlots,
                       std::chrono::milliseconds window = kDefaultWindow);
  ~ReplyBudget();
  ReplyBudget(const ReplyBudget&) = delete;
  ReplyBudget& operator=(const ReplyBudget&) = delete;

  // Accounts a datagram of `received` bytes from `source`; true if a
  // `reply`-byte answer stays within its budget (it is then counted as
  // sent). `burst` is udp_reply_burst, taken at each call so that a reload
  // applies at once.
  bool allow(const SocketAddress& source, size_t received, size_t reply, uint64_t burst,
             SteadyTime now);

  size_t slots() const { return mask_ + 1; }
  // The slot `source` draws on (tests look for colliding addresses).
  size_t slot_of(const SocketAddress& source) const;

 private:
  uint64_t tick_of(SteadyTime now) const;

  size_t mask_;
  std::chrono::nanoseconds tick_;  // a window is kTicksPerWindow ticks
  uint64_t seed_;                  // so that no one can choose whom they collide with
  std::atomic<uint64_t>* slots_;
};

}  // namespace ackd

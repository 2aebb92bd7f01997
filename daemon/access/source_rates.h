// SourceRates: a listener's per-source message rate (max_messages_per_
// second_per_source): a token bucket per source, kept as the time its
// bucket will be full again (GCRA: one 64-bit word). The table is shared
// memory that the master maps before it forks, so every worker and
// connection process of the daemon draws on the same buckets. Its size is
// fixed however many sources there are: sources that share a slot share its
// bucket (never get more), and a bucket refills with time, so nobody is
// locked out for good. Lock-free (compare-and-swap): a process killed
// mid-update wedges nobody.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/socket_address.h"
#include "common/steady_time.h"

namespace ackd {

class SourceRates {
 public:
  using TimePoint = SteadyTime;
  static constexpr size_t kDefaultSlots = 16384;  // 128 KiB

  // Maps the table; `slots` is rounded up to a power of two. Throws
  // std::system_error.
  explicit SourceRates(size_t slots = kDefaultSlots);
  ~SourceRates();
  SourceRates(const SourceRates&) = delete;
  SourceRates& operator=(const SourceRates&) = delete;

  // One message from `source` at `now`: true if its bucket holds a token
  // (it is then taken). The rate and burst are taken at each call, so that
  // a reload applies at once. per_second must be at least 1.
  bool admit(const SocketAddress& source, uint32_t per_second, uint32_t burst, TimePoint now);

  size_t slots() const { return mask_ + 1; }
  // The slot `source` draws on (tests look for colliding addresses).
  size_t slot_of(const SocketAddress& source) const;

 private:
  size_t mask_;
  uint64_t seed_;
  std::atomic<int64_t>* slots_;
};

}  // namespace ackd

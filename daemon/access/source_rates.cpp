#include "daemon/access/source_rates.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <random>

#include "common/syscall.h"
#include "daemon/access/source_key.h"

namespace ackd {

static_assert(std::atomic<int64_t>::is_always_lock_free, "a slot is shared between processes");

SourceRates::SourceRates(size_t slots)
    : mask_(std::bit_ceil(std::max<size_t>(slots, 1)) - 1),
      seed_(std::random_device{}() * 0x9e3779b97f4a7c15ULL ^ std::random_device{}()) {
  size_t bytes = this->slots() * sizeof(std::atomic<int64_t>);
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap", "per-source message rates");
  // Fresh anonymous pages are zero: a time long past, every bucket full.
  slots_ = static_cast<std::atomic<int64_t>*>(memory);
}

SourceRates::~SourceRates() { munmap(slots_, slots() * sizeof(std::atomic<int64_t>)); }

size_t SourceRates::slot_of(const SocketAddress& source) const {
  return hash_source(source_key(source), seed_) & mask_;
}

// The slot holds the theoretical arrival time (TAT): when the bucket is
// full again. A message costs one interval; it is admitted if, with it, the
// TAT stays within `burst` intervals of now. The steady clock is the same
// in every process (CLOCK_MONOTONIC).
bool SourceRates::admit(const SocketAddress& source, uint32_t per_second, uint32_t burst,
                        TimePoint now) {
  const int64_t interval = 1'000'000'000 / std::max<uint32_t>(per_second, 1);
  const int64_t tolerance = interval * std::max<uint32_t>(burst, 1);
  const int64_t at =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::atomic<int64_t>& slot = slots_[slot_of(source)];
  int64_t old = slot.load(std::memory_order_relaxed);
  while (true) {
    int64_t tat = std::max(old, at) + interval;
    if (tat - at > tolerance) return false;
    if (slot.compare_exchange_weak(old, tat, std::memory_order_relaxed)) return true;
  }
}

}  // namespace ackd

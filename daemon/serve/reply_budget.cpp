#include "daemon/serve/reply_budget.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <random>

#include "common/syscall.h"
#include "daemon/access/source_key.h"

namespace ackd {
namespace {

static_assert(std::atomic<uint64_t>::is_always_lock_free, "a slot is shared between processes");

// A slot is one 64-bit atomic, changed by compare-and-swap: no lock to be
// left held by a worker killed mid-update, and no torn slot either.
// It packs the start of its window, in ticks of 1/64 window modulo 2^28
// (with 10 s windows, only a slot left unused for 485 days, give or take a
// window, could look current again), and its balance, received - sent
// bytes, stored plus kZero in 36 bits (it saturates, which only lowers the
// budget). 0 is a slot never used.
constexpr unsigned kBalanceBits = 36;
constexpr uint64_t kBalanceMax = (uint64_t{1} << kBalanceBits) - 1;
constexpr uint64_t kZero = uint64_t{1} << (kBalanceBits - 1);
constexpr uint64_t kTickMask = (uint64_t{1} << (64 - kBalanceBits)) - 1;
constexpr uint64_t kTicksPerWindow = 64;

struct Slot {
  uint64_t start = 0;
  uint64_t balance = kZero;
};

Slot unpack(uint64_t word) { return {word >> kBalanceBits, word & kBalanceMax}; }
uint64_t pack(Slot slot) { return slot.start << kBalanceBits | slot.balance; }

// Over once more than a window has passed since its start. A start a
// little ahead of `now` (another worker read the clock later) is the
// current window.
bool window_over(uint64_t start, uint64_t now) {
  uint64_t elapsed = (now - start) & kTickMask;
  return elapsed > kTicksPerWindow && elapsed <= kTickMask - kTicksPerWindow;
}

}  // namespace

ReplyBudget::ReplyBudget(size_t slots, std::chrono::milliseconds window)
    : mask_(std::bit_ceil(std::max<size_t>(slots, 1)) - 1),
      tick_(std::max<std::chrono::nanoseconds>(std::chrono::nanoseconds(window) / kTicksPerWindow,
                                               std::chrono::nanoseconds(1))),
      seed_(std::random_device{}() * 0x9e3779b97f4a7c15ULL ^ std::random_device{}()) {
  size_t bytes = this->slots() * sizeof(std::atomic<uint64_t>);
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap", "UDP reply budgets");
  // Fresh anonymous pages are zero: every slot is unused.
  slots_ = static_cast<std::atomic<uint64_t>*>(memory);
}

ReplyBudget::~ReplyBudget() { munmap(slots_, slots() * sizeof(std::atomic<uint64_t>)); }

size_t ReplyBudget::slot_of(const SocketAddress& source) const {
  // Per source IP (the port left out), IPv4 and v4-mapped alike.
  return hash_source(source_key(source), seed_) & mask_;
}

uint64_t ReplyBudget::tick_of(SteadyTime now) const {
  return static_cast<uint64_t>(now.time_since_epoch() / tick_) & kTickMask;
}

bool ReplyBudget::allow(const SocketAddress& source, size_t received, size_t reply, uint64_t burst,
                        SteadyTime now) {
  std::atomic<uint64_t>& word = slots_[slot_of(source)];
  uint64_t tick = tick_of(now);
  uint64_t old = word.load(std::memory_order_relaxed);
  while (true) {
    Slot slot = unpack(old);
    if (old == 0 || window_over(slot.start, tick)) slot = Slot{tick, kZero};
    slot.balance = std::min(slot.balance + received, kBalanceMax);
    // balance - kZero + burst >= reply, without going below zero.
    bool allowed = slot.balance + burst >= kZero + reply;
    if (allowed) slot.balance -= reply;
    if (word.compare_exchange_weak(old, pack(slot), std::memory_order_relaxed)) return allowed;
  }
}

}  // namespace ackd

// SourceSlots: whom a fork-mode dispatcher's connection processes serve, for
// max_connections_per_source behind a PROXY header, where only the
// connection process learns its client (from the header). Shared memory the
// dispatcher maps before it forks: one slot per child it may have at once.
// A child fills its slot with its client's key once the header is read,
// after counting the slots that hold the same key; the dispatcher empties
// the slot when it reaps that child, so a child that dies (even by SIGKILL)
// leaves no count behind. The count is exact per dispatcher, as the count
// at accept is. Lock-free: a slot is one atomic word, a seeded 64-bit hash
// of the source (0: empty).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "common/socket_address.h"

namespace ackd {

class SourceSlots {
 public:
  // Maps `slots` slots (at least 1). Throws std::system_error.
  explicit SourceSlots(size_t slots);
  ~SourceSlots();
  SourceSlots(const SourceSlots&) = delete;
  SourceSlots& operator=(const SourceSlots&) = delete;

  // In the child that owns `slot`: counts its connection as one of
  // `source`'s, unless `limit` other slots already hold `source`; false
  // then, and the slot stays empty. Two children of one source racing for
  // its last place may both be refused, never both admitted.
  bool claim(size_t slot, const SocketAddress& source, unsigned limit);
  // In the dispatcher, once the child that owned `slot` is gone.
  void release(size_t slot) { slots_[slot].store(0, std::memory_order_seq_cst); }
  // How many slots hold `source` now.
  size_t count(const SocketAddress& source) const;
  size_t size() const { return size_; }

 private:
  uint64_t key_of(const SocketAddress& source) const;

  size_t size_;
  uint64_t seed_;
  std::atomic<uint64_t>* slots_;
};

}  // namespace ackd

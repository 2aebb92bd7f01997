#include "daemon/access/source_slots.h"

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <random>

#include "common/syscall.h"
#include "daemon/access/source_key.h"

namespace ackd {

static_assert(std::atomic<uint64_t>::is_always_lock_free, "a slot is shared between processes");

SourceSlots::SourceSlots(size_t slots)
    : size_(std::max<size_t>(slots, 1)),
      seed_(std::random_device{}() * 0x9e3779b97f4a7c15ULL ^ std::random_device{}()) {
  size_t bytes = size_ * sizeof(std::atomic<uint64_t>);
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap", "per-source connection slots");
  slots_ = static_cast<std::atomic<uint64_t>*>(memory);  // zero pages: all empty
}

SourceSlots::~SourceSlots() { munmap(slots_, size_ * sizeof(std::atomic<uint64_t>)); }

uint64_t SourceSlots::key_of(const SocketAddress& source) const {
  uint64_t key = hash_source(source_key(source), seed_);
  return key != 0 ? key : 1;  // 0 is an empty slot
}

// The slot is filled before the others are counted (sequentially
// consistent): of two children racing, each sees the other's, so both
// cannot pass the limit.
bool SourceSlots::claim(size_t slot, const SocketAddress& source, unsigned limit) {
  assert(slot < size_);
  uint64_t key = key_of(source);
  slots_[slot].store(key, std::memory_order_seq_cst);
  if (count(source) <= limit) return true;
  release(slot);
  return false;
}

size_t SourceSlots::count(const SocketAddress& source) const {
  uint64_t key = key_of(source);
  size_t held = 0;
  for (size_t i = 0; i < size_; ++i) held += slots_[i].load(std::memory_order_seq_cst) == key;
  return held;
}

}  // namespace ackd

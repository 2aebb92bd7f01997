// FreeBlocks: the memory of freed objects of one class, kept for the next
// ones of that class (its operator new and delete), for the streams made
// and freed per connection. Each block holds a pointer to the next; a
// process has one thread. It keeps as many as were ever alive at once.
#pragma once

#include <cstddef>
#include <new>

namespace ackd {

class FreeBlocks {
 public:
  void* take(size_t size) {
    if (head_ == nullptr) return ::operator new(size);
    void* memory = head_;
    head_ = *static_cast<void**>(memory);
    return memory;
  }
  void give(void* memory) noexcept {
    *static_cast<void**>(memory) = head_;
    head_ = memory;
  }

 private:
  void* head_ = nullptr;
};

}  // namespace ackd

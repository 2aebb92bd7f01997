// ReplicationBoard: a worker's replication state in its scoreboard entry
// (shared memory), written by the worker, read by the master for `ackctl
// status`: connected or not, to which server, publishes in flight, stored
// and failed, and the last error. Texts are short, copied under a sequence
// counter so that the reader never sees half of one.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ackd {

enum class LinkState : uint8_t { kOff, kConnecting, kConnected, kDisconnected };
inline constexpr size_t kLinkStates = 4;

const char* to_string(LinkState state);

// Text of up to 8 * Words - 1 bytes, one writer, readers that retry.
template <size_t Words>
class SharedText {
 public:
  void store(std::string_view text) {
    char bytes[Words * 8] = {};
    size_t n = std::min(text.size(), sizeof(bytes) - 1);
    text.copy(bytes, n);
    version_.fetch_add(1, std::memory_order_acq_rel);  // odd: writing
    for (size_t i = 0; i < Words; ++i) {
      uint64_t word = 0;
      for (size_t b = 0; b < 8; ++b) word |= uint64_t(uint8_t(bytes[i * 8 + b])) << (8 * b);
      words_[i].store(word, std::memory_order_relaxed);
    }
    version_.fetch_add(1, std::memory_order_release);
  }
  std::string load() const {
    for (int attempt = 0; attempt < 100; ++attempt) {
      uint32_t before = version_.load(std::memory_order_acquire);
      if (before % 2 != 0) continue;
      char bytes[Words * 8];
      for (size_t i = 0; i < Words; ++i) {
        uint64_t word = words_[i].load(std::memory_order_relaxed);
        for (size_t b = 0; b < 8; ++b) bytes[i * 8 + b] = char(word >> (8 * b));
      }
      std::atomic_thread_fence(std::memory_order_acquire);
      if (version_.load(std::memory_order_relaxed) != before) continue;
      bytes[sizeof(bytes) - 1] = '\0';
      return std::string(bytes);
    }
    return {};
  }

 private:
  std::atomic<uint32_t> version_{0};
  std::atomic<uint64_t> words_[Words]{};
};

struct ReplicationBoard {
  std::atomic<LinkState> state{LinkState::kOff};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> stored{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> forwarded_lag{0};  // forward mode: records spooled, not yet shipped
  SharedText<12> server;                   // the URL connected to
  SharedText<20> last_error;

  void reset() {  // by the master, for a new worker
    state.store(LinkState::kOff, std::memory_order_relaxed);
    for (auto* counter : {&in_flight, &stored, &failed, &forwarded_lag}) {
      counter->store(0, std::memory_order_relaxed);
    }
    server.store("");
    last_error.store("");
  }
};

}  // namespace ackd

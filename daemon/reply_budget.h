// ReplyBudget: keeps UDP from being a reflection amplifier. Per source
// address (the IP, whatever the port: spoofers vary it), the bytes sent back
// within a window are bounded by the bytes received in it plus a small
// burst; replies over the bound are dropped and counted.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "common/socket_address.h"

namespace ackd {

class ReplyBudget {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit ReplyBudget(uint64_t burst, std::chrono::milliseconds window = std::chrono::seconds(10),
                       size_t max_sources = 65536)
      : burst_(burst), window_(window), max_sources_(max_sources) {}

  // Accounts a datagram of `received` bytes; true if a `reply`-byte answer
  // stays within the source's budget (and is then counted as sent).
  bool allow(const SocketAddress& source, size_t received, size_t reply, TimePoint now);

 private:
  using Key = std::array<uint8_t, 16>;
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Usage {
    TimePoint window_start;
    uint64_t received = 0;
    uint64_t sent = 0;
  };
  static Key key_of(const SocketAddress& source);
  void forget_expired(TimePoint now);

  uint64_t burst_;
  std::chrono::milliseconds window_;
  size_t max_sources_;
  std::unordered_map<Key, Usage, KeyHash> usage_;
};

}  // namespace ackd

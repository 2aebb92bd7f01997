// SourceKey: a client's IP address as a key for per-source state: 16 bytes,
// IPv4 as ::ffff:a.b.c.d (so the same client on an IPv4 and a dual-stack
// listener is one source), the port left out. A unix peer is all zeros.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/socket_address.h"

namespace ackd {

struct SourceKey {
  std::array<uint64_t, 2> words{};
  bool operator==(const SourceKey&) const = default;
};

SourceKey source_key(const SocketAddress& address);

// A seeded hash: nobody can choose which sources share a slot with theirs.
uint64_t hash_source(const SourceKey& key, uint64_t seed);

struct SourceKeyHash {
  size_t operator()(const SourceKey& key) const { return hash_source(key, 0); }
};

}  // namespace ackd

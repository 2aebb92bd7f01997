#include "daemon/access/source_key.h"

#include <netinet/in.h>

#include <cstring>

namespace ackd {
namespace {

// MurmurHash3's finalizer: every input bit moves every output bit.
uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

}  // namespace

SourceKey source_key(const SocketAddress& address) {
  uint8_t bytes[16] = {};
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    bytes[10] = bytes[11] = 0xFF;
    std::memcpy(bytes + 12, &in->sin_addr, 4);
  } else if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    std::memcpy(bytes, &in6->sin6_addr, 16);
  }
  SourceKey key;
  std::memcpy(key.words.data(), bytes, sizeof(bytes));
  return key;
}

uint64_t hash_source(const SourceKey& key, uint64_t seed) {
  return mix(mix(seed ^ key.words[0]) ^ key.words[1]);
}

}  // namespace ackd

// PROXY protocol v2: a 16-byte binary block (signature, version and
// command, family and transport, length) followed by the addresses and
// TLVs. Part of proxy_header.h's parser: called once the bytes received
// begin like the signature.
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "daemon/transport/proxy_header.h"

namespace ackd {

inline constexpr std::string_view kProxyV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

// The PP2_TYPE_* values ackd reads; every other TLV is skipped.
inline constexpr unsigned char kProxyTlvCrc32c = 0x03;
inline constexpr unsigned char kProxyTlvUniqueId = 0x05;

// The header a proxy sends for each TCP connection, whole at the start of
// `received`: PROXY, TCP over IPv4 or IPv6, the address block and no TLV.
// Recognised by its 16 fixed bytes, which are then constants, as it comes
// per connection: its length, and `source` set as parse_proxy_v2 sets the
// header's (tests/fuzz checks that they agree; the destination is not
// parsed: nothing reads it); 0 for anything else, which parse_proxy_v2
// takes. ProxyHeaderReader tries it before parse_proxy_header, once.
inline size_t parse_proxy_v2_usual(std::string_view received, SocketAddress& source) {
  // The signature, version 2 PROXY, TCP4 or TCP6 and the length of its
  // address block: 16 bytes, compared as two 64-bit words.
  static constexpr char kTcp4[] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c";
  static constexpr char kTcp6[] = "\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24";
  static_assert(std::string_view(kTcp4, 12) == kProxyV2Signature &&
                std::string_view(kTcp6, 12) == kProxyV2Signature);
  // The two addresses, then the two ports.
  constexpr size_t kTcp4Size = kProxyV2FixedSize + 2 * sizeof(in_addr) + 2 * sizeof(in_port_t);
  constexpr size_t kTcp6Size = kProxyV2FixedSize + 2 * sizeof(in6_addr) + 2 * sizeof(in_port_t);
  if (received.size() < kTcp4Size) return 0;
  uint64_t head[2], tcp4[2], tcp6[2];
  std::memcpy(head, received.data(), sizeof(head));
  std::memcpy(tcp4, kTcp4, sizeof(tcp4));
  std::memcpy(tcp6, kTcp6, sizeof(tcp6));
  const char* block = received.data() + kProxyV2FixedSize;
  if (head[0] != tcp4[0]) return 0;
  if (head[1] == tcp4[1]) {
    auto* in = reinterpret_cast<sockaddr_in*>(&source.storage);
    *in = sockaddr_in{};
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, block, 4);
    std::memcpy(&in->sin_port, block + 2 * sizeof(in_addr), 2);
    source.length = sizeof(sockaddr_in);
    return kTcp4Size;
  }
  if (head[1] != tcp6[1] || received.size() < kTcp6Size) return 0;
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&source.storage);
  *in6 = sockaddr_in6{};
  in6->sin6_family = AF_INET6;
  std::memcpy(&in6->sin6_addr, block, 16);
  std::memcpy(&in6->sin6_port, block + 2 * sizeof(in6_addr), 2);
  source.length = sizeof(sockaddr_in6);
  return kTcp6Size;
}

// `received` begins with (a prefix of) kProxyV2Signature.
ProxyParseStatus parse_proxy_v2(std::string_view received, ProxyHeader& header, std::string& error);

}  // namespace ackd

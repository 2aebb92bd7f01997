// Cidr, CidrList: address ranges as operators write them ("10.0.0.0/8",
// "::1/128", "192.0.2.7"), and whether a peer's address falls in a list. An
// IPv4 range also matches that address arriving on a dual-stack socket as
// ::ffff:a.b.c.d. For trusted_proxies, and allow/deny lists.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/socket_address.h"

namespace ackd {

struct Cidr {
  int family = 0;                   // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in the first 4
  unsigned prefix = 0;              // bits that must match

  // Whether an inet address is in the range (never a unix address).
  bool contains(const SocketAddress& address) const;
  // "10.0.0.0/8", "::1/128": the prefix is always written.
  std::string to_string() const;
  bool operator==(const Cidr&) const = default;
};

// "10.0.0.0/8", "2001:db8::/32", or an address alone (one host: /32, /128).
// Throws std::invalid_argument with a sentence saying what is wrong,
// including bits set past the prefix ("10.1.0.0/8": did you mean 10.0.0.0/8?).
Cidr parse_cidr(std::string_view text);

// An inet address as the 128 bits of IPv6 (IPv4 as ::ffff:a.b.c.d).
struct Ipv6Bits {
  uint64_t high = 0;
  uint64_t low = 0;
  // nullopt for an address that is not inet (unix).
  static std::optional<Ipv6Bits> of(const SocketAddress& address);
  bool operator==(const Ipv6Bits&) const = default;
};

class CidrList {
 public:
  CidrList() = default;
  explicit CidrList(std::vector<Cidr> entries);

  // True if any entry contains the address (never for a unix address).
  // Per connection on a listener with trusted_proxies or allow/deny: an
  // IPv4 client is one masked compare per range, inline (a call and the
  // unrolled any_of cost more than the compares themselves).
  bool contains(const SocketAddress& address) const {
    if (address.family() != AF_INET) return contains_inet6(address);
    uint32_t bits = ntohl(reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr.s_addr);
    for (const Range4& range : ranges4_) {
      if ((bits & range.mask) == range.network) return true;
    }
    return false;
  }
  const std::vector<Cidr>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // "127.0.0.0/8, ::1/128", for logs and messages.
  std::string to_string() const;
  bool operator==(const CidrList& other) const { return entries_ == other.entries_; }

 private:
  // An entry as masked bits: what contains() compares.
  struct Range {
    Ipv6Bits mask;
    Ipv6Bits network;
  };
  static Range range_of(const Cidr& cidr);
  // contains() for anything but a sockaddr_in: two compares per range.
  bool contains_inet6(const SocketAddress& address) const;
  // The same ranges as an IPv4 client (sockaddr_in) meets them: those that
  // hold some of ::ffff:0.0.0.0/96, each cut to its 32 bits there. An
  // IPv4 address is then one masked compare per range.
  struct Range4 {
    uint32_t mask;
    uint32_t network;
  };

  std::vector<Cidr> entries_;
  std::vector<Range> ranges_;    // one per entry
  std::vector<Range4> ranges4_;  // one per entry that can hold an IPv4 client
};

// 127.0.0.0/8 and ::1/128: the default of trusted_proxies.
CidrList loopback_cidrs();

}  // namespace ackd

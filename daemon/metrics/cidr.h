// Cidr: an address block ("10.0.0.0/8", "2001:db8::/32", or one address)
// and whether a peer's address is in it, for the [metrics] allow list. An
// IPv4 block also matches the IPv4-mapped IPv6 address of a dual-stack
// socket (::ffff:10.1.2.3). Minimal on purpose: a shared matcher is coming
// in common/cidr.h, and this one goes once it lands.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ackd {

struct Cidr {
  int family = AF_INET;  // AF_INET or AF_INET6
  uint8_t bytes[16] = {};
  unsigned prefix = 32;

  std::string to_string() const;  // "10.0.0.0/8": host bits cleared
};

// Throws std::invalid_argument with a sentence saying what is wrong.
Cidr parse_cidr(std::string_view text);

bool cidr_contains(const Cidr& block, const sockaddr* address);
// An empty list allows everyone.
bool cidr_allows(const std::vector<Cidr>& allow, const sockaddr* address);

}  // namespace ackd

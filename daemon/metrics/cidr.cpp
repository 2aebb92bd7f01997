#include "daemon/metrics/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace ackd {
namespace {

unsigned parse_prefix(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    throw std::invalid_argument("\"" + std::string(text) + "\" is not a prefix length");
  }
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      throw std::invalid_argument("\"" + std::string(text) + "\" is not a prefix length");
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) {
    throw std::invalid_argument("prefix length " + std::to_string(value) + " is over " +
                                std::to_string(max));
  }
  return value;
}

void clear_host_bits(Cidr& block) {
  size_t length = block.family == AF_INET ? 4 : 16;
  for (size_t i = 0; i < length; ++i) {
    unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit >= block.prefix) {
      block.bytes[i] = 0;
    } else if (block.prefix - first_bit < 8) {
      block.bytes[i] &= static_cast<uint8_t>(0xff << (8 - (block.prefix - first_bit)));
    }
  }
}

bool prefix_equal(const uint8_t* a, const uint8_t* b, unsigned prefix) {
  size_t whole = prefix / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

Cidr parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  Cidr block;
  if (inet_pton(AF_INET, address.c_str(), block.bytes) == 1) {
    block.family = AF_INET;
  } else if (inet_pton(AF_INET6, address.c_str(), block.bytes) == 1) {
    block.family = AF_INET6;
  } else {
    throw std::invalid_argument("\"" + std::string(text) +
                                "\" is not an address block like \"10.0.0.0/8\" or \"::1/128\"");
  }
  unsigned max = block.family == AF_INET ? 32 : 128;
  block.prefix = slash == std::string_view::npos ? max : parse_prefix(text.substr(slash + 1), max);
  clear_host_bits(block);
  return block;
}

std::string Cidr::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes, text, sizeof(text));
  return std::string(text) + "/" + std::to_string(prefix);
}

bool cidr_contains(const Cidr& block, const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    if (block.family != AF_INET) return false;
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return prefix_equal(reinterpret_cast<const uint8_t*>(&in->sin_addr), block.bytes, block.prefix);
  }
  if (address->sa_family != AF_INET6) return false;
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
  const auto* bytes = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
  if (block.family == AF_INET6) return prefix_equal(bytes, block.bytes, block.prefix);
  // A dual-stack socket sees an IPv4 client as ::ffff:a.b.c.d.
  return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
         prefix_equal(bytes + 12, block.bytes, block.prefix);
}

bool cidr_allows(const std::vector<Cidr>& allow, const sockaddr* address) {
  if (allow.empty()) return true;
  for (const Cidr& block : allow) {
    if (cidr_contains(block, address)) return true;
  }
  return false;
}

}  // namespace ackd

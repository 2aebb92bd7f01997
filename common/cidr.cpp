#include "common/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace ackd {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// An inet address seen both ways: its IPv4 bytes (native, or mapped into
// IPv6), and its 16 IPv6 bytes (an IPv4 address as ::ffff:a.b.c.d).
struct Views {
  std::optional<std::array<uint8_t, 4>> v4;
  std::array<uint8_t, 16> v6{};
};

std::optional<Views> views_of(const SocketAddress& address) {
  Views views;
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    std::array<uint8_t, 4> v4{};
    std::memcpy(v4.data(), &in->sin_addr, 4);
    views.v4 = v4;
    std::memcpy(views.v6.data(), kMappedPrefix, 12);
    std::memcpy(views.v6.data() + 12, v4.data(), 4);
    return views;
  }
  if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    std::memcpy(views.v6.data(), &in6->sin6_addr, 16);
    if (std::memcmp(views.v6.data(), kMappedPrefix, 12) == 0) {
      std::array<uint8_t, 4> v4{};
      std::memcpy(v4.data(), views.v6.data() + 12, 4);
      views.v4 = v4;
    }
    return views;
  }
  return std::nullopt;
}

// The first `bits` bits of a and b are equal.
bool prefix_equal(const uint8_t* a, const uint8_t* b, unsigned bits) {
  unsigned whole = bits / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  unsigned rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

unsigned parse_prefix(std::string_view digits, unsigned max, std::string_view text) {
  unsigned prefix = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  bool leading_zero = digits.size() > 1 && digits[0] == '0';
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      leading_zero || prefix > max) {
    throw std::invalid_argument("\"" + std::string(text) + "\": the prefix length must be 0 to " +
                                std::to_string(max));
  }
  return prefix;
}

// Bits past the prefix cleared.
Cidr masked(Cidr cidr) {
  unsigned size = cidr.family == AF_INET ? 4 : 16;
  for (unsigned bit = cidr.prefix; bit < size * 8; ++bit) {
    cidr.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return cidr;
}

bool matches(const Cidr& cidr, const Views& views) {
  if (cidr.family == AF_INET) {
    return views.v4 && prefix_equal(views.v4->data(), cidr.bytes.data(), cidr.prefix);
  }
  return prefix_equal(views.v6.data(), cidr.bytes.data(), cidr.prefix);
}

}  // namespace

bool Cidr::contains(const SocketAddress& address) const {
  std::optional<Views> views = views_of(address);
  return views && matches(*this, *views);
}

std::string Cidr::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), text, sizeof(text));
  return std::string(text) + "/" + std::to_string(prefix);
}

Cidr parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  Cidr cidr;
  if (inet_pton(AF_INET, address.c_str(), cidr.bytes.data()) == 1) {
    cidr.family = AF_INET;
  } else if (inet_pton(AF_INET6, address.c_str(), cidr.bytes.data()) == 1) {
    cidr.family = AF_INET6;
  } else {
    throw std::invalid_argument("\"" + std::string(text) +
                                "\" is not an address range like \"10.0.0.0/8\" or \"::1/128\"");
  }
  unsigned max = cidr.family == AF_INET ? 32 : 128;
  cidr.prefix =
      slash == std::string_view::npos ? max : parse_prefix(text.substr(slash + 1), max, text);
  Cidr network = masked(cidr);
  if (network != cidr) {
    throw std::invalid_argument("\"" + std::string(text) + "\" has address bits set past the /" +
                                std::to_string(cidr.prefix) + " prefix (did you mean \"" +
                                network.to_string() + "\"?)");
  }
  return cidr;
}

// The address's views are made once for all the entries.
bool CidrList::contains(const SocketAddress& address) const {
  if (entries_.empty()) return false;
  std::optional<Views> views = views_of(address);
  if (!views) return false;
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Cidr& cidr) { return matches(cidr, *views); });
}

std::string CidrList::to_string() const {
  std::string text;
  for (const Cidr& cidr : entries_) text += (text.empty() ? "" : ", ") + cidr.to_string();
  return text;
}

CidrList loopback_cidrs() { return CidrList({parse_cidr("127.0.0.0/8"), parse_cidr("::1/128")}); }

}  // namespace ackd

#include "common/cidr.h"

#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace ackd {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
// The same prefix (::ffff:0:0/96) in the low half of Ipv6Bits.
constexpr uint64_t kMappedLow = uint64_t{0xffff} << 32;

// 8 bytes in network order as a number.
uint64_t load64(const uint8_t* bytes) {
  uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof(value));
  return be64toh(value);
}

// The first `bits` of 64 set.
uint64_t high_bits(unsigned bits) {
  if (bits == 0) return 0;
  return bits >= 64 ? ~uint64_t{0} : ~uint64_t{0} << (64 - bits);
}

}  // namespace

std::optional<Ipv6Bits> Ipv6Bits::of(const SocketAddress& address) {
  if (address.family() == AF_INET) {  // ::ffff:a.b.c.d
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    return Ipv6Bits{0, kMappedLow | ntohl(in->sin_addr.s_addr)};
  }
  if (address.family() != AF_INET6) return std::nullopt;
  const auto* bytes = reinterpret_cast<const uint8_t*>(
      &reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr);
  return Ipv6Bits{load64(bytes), load64(bytes + 8)};
}

namespace {

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

}  // namespace

// An IPv4 range is the IPv6 range of its mapped addresses.
CidrList::Range CidrList::range_of(const Cidr& cidr) {
  uint8_t bytes[16];
  unsigned bits = cidr.prefix;
  if (cidr.family == AF_INET) {
    std::memcpy(bytes, kMappedPrefix, 12);
    std::memcpy(bytes + 12, cidr.bytes.data(), 4);
    bits += 96;
  } else {
    std::memcpy(bytes, cidr.bytes.data(), 16);
  }
  Range range;
  range.mask = {high_bits(bits), high_bits(bits > 64 ? bits - 64 : 0)};
  range.network = {load64(bytes) & range.mask.high, load64(bytes + 8) & range.mask.low};
  return range;
}

bool Cidr::contains(const SocketAddress& address) const {
  return CidrList({*this}).contains(address);
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

CidrList::CidrList(std::vector<Cidr> entries) : entries_(std::move(entries)) {
  ranges_.reserve(entries_.size());
  for (const Cidr& cidr : entries_) {
    Range range = range_of(cidr);
    ranges_.push_back(range);
    if (range.network.high == 0 &&
        (kMappedLow & range.mask.low) == (range.network.low >> 32 << 32)) {
      ranges4_.push_back(
          {static_cast<uint32_t>(range.mask.low), static_cast<uint32_t>(range.network.low)});
    }
  }
}

bool CidrList::contains_inet6(const SocketAddress& address) const {
  if (ranges_.empty()) return false;
  std::optional<Ipv6Bits> bits = Ipv6Bits::of(address);
  if (!bits) return false;
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const Range& range) {
    return (bits->high & range.mask.high) == range.network.high &&
           (bits->low & range.mask.low) == range.network.low;
  });
}

std::string CidrList::to_string() const {
  std::string text;
  for (const Cidr& cidr : entries_) text += (text.empty() ? "" : ", ") + cidr.to_string();
  return text;
}

CidrList loopback_cidrs() { return CidrList({parse_cidr("127.0.0.0/8"), parse_cidr("::1/128")}); }

}  // namespace ackd

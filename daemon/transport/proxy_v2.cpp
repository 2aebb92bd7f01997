#include "daemon/transport/proxy_v2.h"

#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "common/crc32c.h"

namespace ackd {
namespace {

enum Command : unsigned { kLocal = 0, kProxy = 1 };
enum Family : unsigned { kUnspec = 0, kInet = 1, kInet6 = 2, kUnix = 3 };
enum Transport : unsigned { kStream = 1, kDgram = 2 };

constexpr size_t kUnixAddressSize = 108;

// Bytes of the address block each family carries (ports included).
constexpr size_t address_block_size(unsigned family) {
  switch (family) {
    case kInet:
      return 2 * 4 + 2 * 2;
    case kInet6:
      return 2 * 16 + 2 * 2;
    case kUnix:
      return 2 * kUnixAddressSize;
    default:
      return 0;
  }
}

ProxyParseStatus fail(std::string& error, std::string why) {
  error = "PROXY v2: " + std::move(why);
  return ProxyParseStatus::kError;
}

std::string hex(unsigned value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[(value >> 4) & 0xf] + kDigits[value & 0xf];
}

unsigned byte_at(std::string_view bytes, size_t i) { return static_cast<unsigned char>(bytes[i]); }

size_t be16(std::string_view bytes, size_t at) {
  return byte_at(bytes, at) << 8 | byte_at(bytes, at + 1);
}

uint32_t be32(std::string_view bytes, size_t at) {
  return static_cast<uint32_t>(be16(bytes, at) << 16 | be16(bytes, at + 2));
}

// What the TLVs said that ackd uses.
struct Tlvs {
  std::optional<size_t> crc32c_at;            // offset of the checksum's value in the header
  std::optional<std::string_view> unique_id;  // in the header: copied only if there is one
};

// Walks the TLVs in header[from, end): each must fit; unknown types are
// skipped; CRC32C and UNIQUE_ID must be well formed and come once.
std::optional<std::string> read_tlvs(std::string_view header, size_t from, Tlvs& tlvs) {
  size_t at = from;
  while (at < header.size()) {
    if (header.size() - at < 3) return "a truncated TLV at the end";
    unsigned type = byte_at(header, at);
    size_t length = be16(header, at + 1);
    size_t value = at + 3;
    if (length > header.size() - value) return "TLV " + hex(type) + " runs past the header";
    if (type == kProxyTlvCrc32c) {
      if (length != 4) return "a CRC32C TLV of " + std::to_string(length) + " bytes (expected 4)";
      if (tlvs.crc32c_at) return "two CRC32C TLVs";
      tlvs.crc32c_at = value;
    } else if (type == kProxyTlvUniqueId) {
      if (length > kProxyUniqueIdMax) return "a UNIQUE_ID TLV longer than 128 bytes";
      if (tlvs.unique_id) return "two UNIQUE_ID TLVs";
      tlvs.unique_id = header.substr(value, length);
    }
    at = value + length;
  }
  return std::nullopt;
}

// The header with its checksum field zeroed, checksummed (RFC 4960 CRC32c),
// in three pieces rather than a copy.
bool checksum_matches(std::string_view header, size_t crc32c_at) {
  static constexpr char kZeros[4] = {};
  uint32_t crc = crc32c(header.data(), crc32c_at);
  crc = crc32c(kZeros, sizeof(kZeros), crc);
  size_t after = crc32c_at + sizeof(kZeros);
  crc = crc32c(header.data() + after, header.size() - after, crc);
  return crc == be32(header, crc32c_at);
}

// Into `address`: its sockaddr_in or sockaddr_in6 whole, the rest of the
// storage as it was (length says where the address ends).
void inet_address(std::string_view block, unsigned family, bool source, SocketAddress& address) {
  if (family == kInet) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    *in = sockaddr_in{};
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, block.data() + (source ? 0 : 4), 4);
    std::memcpy(&in->sin_port, block.data() + (source ? 8 : 10), 2);
    address.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    *in6 = sockaddr_in6{};
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, block.data() + (source ? 0 : 16), 16);
    std::memcpy(&in6->sin6_port, block.data() + (source ? 32 : 34), 2);
    address.length = sizeof(sockaddr_in6);
  }
}

// 108 bytes of sun_path: a path up to its NUL, or an abstract name (a
// leading NUL) up to the next one, or nothing (an unnamed socket: NULs).
SocketAddress unix_address(std::string_view path) {
  bool abstract = path.size() > 1 && path[0] == '\0' && path[1] != '\0';
  size_t end = path.find('\0', abstract ? 1 : 0);
  if (end == std::string_view::npos) end = path.size();
  SocketAddress address;
  auto* sun = reinterpret_cast<sockaddr_un*>(&address.storage);
  sun->sun_family = AF_UNIX;
  size_t size = std::min(end, sizeof(sun->sun_path) - 1);
  std::memcpy(sun->sun_path, path.data(), size);
  address.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + size +
                                          (size > 0 && path[0] != '\0' ? 1 : 0));
  return address;
}

void fill_addresses(std::string_view block, unsigned family, ProxyHeader& header) {
  if (family == kUnix) {
    header.source = unix_address(block.substr(0, kUnixAddressSize));
    header.destination = unix_address(block.substr(kUnixAddressSize, kUnixAddressSize));
  } else {
    inet_address(block, family, true, header.source);
    inet_address(block, family, false, header.destination);
  }
}

// The fixed 16 bytes, as far as they have arrived; an error, or nothing.
std::optional<std::string> check_fixed_part(std::string_view received) {
  if (received.size() > 12) {
    unsigned version = byte_at(received, 12) >> 4;
    unsigned command = byte_at(received, 12) & 0xf;
    if (version != 2) return "version " + std::to_string(version) + " (expected 2)";
    if (command != kLocal && command != kProxy) {
      return "command " + std::to_string(command) + " (expected 0 LOCAL or 1 PROXY)";
    }
  }
  if (received.size() > 13) {
    unsigned family = byte_at(received, 13) >> 4;
    unsigned transport = byte_at(received, 13) & 0xf;
    if (family > kUnix) return "address family " + std::to_string(family) + " (expected 0 to 3)";
    if (transport > kDgram) return "transport " + std::to_string(transport) + " (expected 0 to 2)";
  }
  if (received.size() >= kProxyV2FixedSize && be16(received, 14) > kProxyV2MaxLength) {
    return "length " + std::to_string(be16(received, 14)) + " past the bound of " +
           std::to_string(kProxyV2MaxLength);
  }
  return std::nullopt;
}

}  // namespace

ProxyParseStatus parse_proxy_v2(std::string_view received, ProxyHeader& header,
                                std::string& error) {
  if (std::optional<std::string> why = check_fixed_part(received)) return fail(error, *why);
  if (received.size() < kProxyV2FixedSize) return ProxyParseStatus::kNeedMore;
  size_t length = kProxyV2FixedSize + be16(received, 14);
  if (received.size() < length) return ProxyParseStatus::kNeedMore;
  std::string_view bytes = received.substr(0, length);
  unsigned command = byte_at(bytes, 12) & 0xf;
  unsigned family = byte_at(bytes, 13) >> 4;
  unsigned transport = byte_at(bytes, 13) & 0xf;
  // LOCAL (the proxy's own connection) and UNSPEC carry no addresses to
  // use; the TLVs follow the block the family declares, when it fits.
  size_t block = address_block_size(family);
  bool addresses_fit = kProxyV2FixedSize + block <= length;
  bool addressed = command == kProxy && family != kUnspec && transport != kUnspec;
  if (addressed && !addresses_fit) {
    return fail(error, "an address block of " + std::to_string(length - kProxyV2FixedSize) +
                           " bytes, the family needs " + std::to_string(block));
  }
  Tlvs tlvs;
  if (addresses_fit) {
    if (std::optional<std::string> why = read_tlvs(bytes, kProxyV2FixedSize + block, tlvs)) {
      return fail(error, *why);
    }
  }
  if (tlvs.crc32c_at && !checksum_matches(bytes, *tlvs.crc32c_at)) {
    return fail(error, "the CRC32C checksum does not match");
  }
  header.version = 2;
  header.length = length;
  header.unique_id = tlvs.unique_id.value_or(std::string_view());
  // Taken for stream connections only: for datagrams the real endpoints stand.
  header.proxied = addressed && transport == kStream;
  if (header.proxied) fill_addresses(bytes.substr(kProxyV2FixedSize, block), family, header);
  return ProxyParseStatus::kDone;
}

}  // namespace ackd

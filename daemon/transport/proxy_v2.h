// PROXY protocol v2: a 16-byte binary block (signature, version and
// command, family and transport, length) followed by the addresses and
// TLVs. Part of proxy_header.h's parser: called once the bytes received
// begin like the signature.
#pragma once

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
// Recognised in a few compares, as it comes per connection: true and
// `header` filled as parse_proxy_v2 would (tests/fuzz checks that they
// agree); false for anything else, which parse_proxy_v2 takes.
// ProxyHeaderReader tries it before parse_proxy_header, once.
bool parse_proxy_v2_usual(std::string_view received, ProxyHeader& header);

// `received` begins with (a prefix of) kProxyV2Signature.
ProxyParseStatus parse_proxy_v2(std::string_view received, ProxyHeader& header, std::string& error);

}  // namespace ackd

// PROXY protocol v1: one line of US-ASCII text, "PROXY TCP4|TCP6|UNKNOWN
// src dst sport dport\r\n", 107 bytes at most. Part of proxy_header.h's
// parser: called once the bytes received begin like "PROXY ".
#pragma once

#include <string>
#include <string_view>

#include "daemon/transport/proxy_header.h"

namespace ackd {

inline constexpr std::string_view kProxyV1Prefix = "PROXY ";

// `received` begins with (a prefix of) kProxyV1Prefix.
ProxyParseStatus parse_proxy_v1(std::string_view received, ProxyHeader& header, std::string& error);

}  // namespace ackd

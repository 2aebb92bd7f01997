// The PROXY protocol header ackctl can put first on each stream connection
// (send and bench: --proxy-v1, --proxy-v2 with --proxy-source), as HAProxy's
// send-proxy and send-proxy-v2 do, so that a listener that expects one
// (proxy_protocol) can be tested without a proxy. HAProxy's
// doc/proxy-protocol.txt is the spec; daemon/transport reads what this writes.
#pragma once

#include <string>
#include <string_view>

#include "common/socket_address.h"

namespace ackd::client {

enum class ProxyVersion { kNone, kV1, kV2 };

struct ProxyPreamble {
  ProxyVersion version = ProxyVersion::kNone;
  SocketAddress source;  // the client the header announces

  bool enabled() const { return version != ProxyVersion::kNone; }
  // The header for a connection to `destination`: the server's inet
  // address, or for a unix socket the unspecified address of the source's
  // family, port 0. Mixed families are written as IPv6 (IPv4 mapped), as
  // HAProxy does. Empty when not enabled.
  std::string header_for(const SocketAddress& destination) const;
};

// The preamble the options --proxy-v1, --proxy-v2 and --proxy-source ask
// for, on a stream target (not `datagram`). Throws std::invalid_argument
// saying what is wrong with them.
ProxyPreamble make_proxy_preamble(bool v1, bool v2, const std::string& source, bool datagram);

// "192.0.2.1:4000" or "[2001:db8::1]:4000": a numeric address and port.
// Throws std::invalid_argument with a sentence saying what is wrong.
SocketAddress parse_proxy_source(std::string_view text);

}  // namespace ackd::client

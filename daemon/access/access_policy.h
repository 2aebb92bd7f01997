// AccessPolicy: who may speak to a listener, by source address: its allow
// and deny lists (tcp and udp), and its per-source limits. Deny wins; with
// an allow list, only its sources are admitted. An IPv4 entry also matches
// the same client arriving on a dual-stack socket as ::ffff:a.b.c.d.
// The acceptor and the datagram server apply it to the socket's peer; a
// PROXY protocol layer applies the same admits() to the client a trusted
// proxy reports.
#pragma once

#include <cstdint>
#include <optional>

#include "common/cidr.h"
#include "common/socket_address.h"
#include "daemon/access/refusal.h"

namespace ackd {

struct AccessPolicy {
  CidrList allow;  // empty: everyone not denied
  CidrList deny;

  // Why `source` may not connect or send (kDeny, kAllow), or nullopt: it
  // may. A unix peer is admitted only when there are no lists (unix
  // listeners have none).
  std::optional<Refusal> refuses(const SocketAddress& source) const {
    if (empty()) return std::nullopt;  // the usual listener: checked per connection
    return refuses_listed(source);
  }
  bool admits(const SocketAddress& source) const { return !refuses(source); }
  bool empty() const { return allow.empty() && deny.empty(); }
  bool operator==(const AccessPolicy&) const = default;

 private:
  std::optional<Refusal> refuses_listed(const SocketAddress& source) const;
};

// Per-source limits of one listener (0: no limit).
struct SourceLimits {
  unsigned max_connections = 0;      // stream: open at once, per serving process
  uint32_t messages_per_second = 0;  // token bucket, shared by the daemon
  uint32_t message_burst = 0;        // bucket size; 0: one second's worth

  // The bucket's size: at least one message.
  uint32_t burst() const;
  bool operator==(const SourceLimits&) const = default;
};

}  // namespace ackd

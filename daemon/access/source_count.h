// SourceCount: how many connections each source has open in this process
// (max_connections_per_source). An entry lives only while its source has a
// connection open, so the table is bounded by the process's own connection
// limit (max_connections, or a dispatcher's max_children).
#pragma once

#include <cstddef>
#include <string_view>
#include <unordered_map>

#include "daemon/access/source_key.h"
#include "daemon/config/config.h"

namespace ackd {

// When a listener's connections are counted per source (max_connections_
// per_source): never (no limit); at accept, where the socket's peer is the
// client; or, behind a PROXY header, once the stream has opened (the header
// read, and a TLS handshake after it), when the client the header names is
// known.
enum class SourceCounting { kNone, kAtAccept, kOnceOpen };
inline SourceCounting source_counting(const ListenerConfig& config) {
  if (config.source_limits.max_connections == 0) return SourceCounting::kNone;
  if (config.proxy_protocol != ProxyProtocol::kOff) return SourceCounting::kOnceOpen;
  return SourceCounting::kAtAccept;
}

// The line a connection over the limit gets before the close.
inline constexpr std::string_view kErrTooManyConnections =
    "ERR too many connections from your address";

class SourceCount {
 public:
  void opened(const SourceKey& key) { ++counts_[key]; }
  void closed(const SourceKey& key);
  size_t count(const SourceKey& key) const;
  size_t sources() const { return counts_.size(); }

 private:
  std::unordered_map<SourceKey, size_t, SourceKeyHash> counts_;
};

}  // namespace ackd

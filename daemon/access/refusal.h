// Refusal: why a client was turned away, as the metrics count it
// (ackd_listener_refused_total{listener,reason}). A short fixed list, each
// name a label value operators alert on: every place that refuses a
// connection or a message names one of these. A new kind is a new
// enumerator and its name (and a new scoreboard layout).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ackd {

enum class Refusal : uint8_t {
  kDeny,                  // the source is on `deny`
  kAllow,                 // there is an `allow` list and the source is not on it
  kConnectionsPerSource,  // max_connections_per_source
  kMessageRate,           // max_messages_per_second_per_source
  kProxyUntrusted,        // a PROXY listener, a source not in trusted_proxies
  kProxyHeader,           // a PROXY header malformed, cut short, or late
  kTlsHandshake,          // a TLS handshake failed or timed out
  kTlsClient,             // a verified client not on allowed_clients
};

inline constexpr size_t kRefusalKinds = 8;

// "deny", "allow", "connections_per_source", "message_rate",
// "proxy_untrusted", "proxy_header", "tls_handshake", "tls_client".
const char* to_string(Refusal why);

inline size_t index_of(Refusal why) { return static_cast<size_t>(why); }

}  // namespace ackd

#include "daemon/access/refusal.h"

namespace ackd {

const char* to_string(Refusal why) {
  switch (why) {
    case Refusal::kDeny:
      return "deny";
    case Refusal::kAllow:
      return "allow";
    case Refusal::kConnectionsPerSource:
      return "connections_per_source";
    case Refusal::kMessageRate:
      return "message_rate";
    case Refusal::kProxyUntrusted:
      return "proxy_untrusted";
    case Refusal::kProxyHeader:
      return "proxy_header";
    case Refusal::kTlsHandshake:
      return "tls_handshake";
    case Refusal::kTlsClient:
      return "tls_client";
  }
  return "?";
}

}  // namespace ackd

#include "daemon/access/access_policy.h"

#include <algorithm>

namespace ackd {

bool AccessPolicy::admits(const SocketAddress& source) const {
  if (deny.contains(source)) return false;
  return allow.empty() || allow.contains(source);
}

uint32_t SourceLimits::burst() const {
  return std::max<uint32_t>(message_burst != 0 ? message_burst : messages_per_second, 1);
}

}  // namespace ackd

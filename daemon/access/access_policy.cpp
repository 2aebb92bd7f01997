#include "daemon/access/access_policy.h"

#include <algorithm>

namespace ackd {

std::optional<Refusal> AccessPolicy::refuses_listed(const SocketAddress& source) const {
  if (deny.contains(source)) return Refusal::kDeny;
  if (!allow.empty() && !allow.contains(source)) return Refusal::kAllow;
  return std::nullopt;
}

uint32_t SourceLimits::burst() const {
  return std::max<uint32_t>(message_burst != 0 ? message_burst : messages_per_second, 1);
}

}  // namespace ackd

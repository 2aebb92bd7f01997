#include "daemon/reply_budget.h"

#include <netinet/in.h>

#include <cstring>
#include <string_view>

namespace ackd {

size_t ReplyBudget::KeyHash::operator()(const Key& key) const {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

// IPv4 sources as v4-mapped IPv6, so both families share one table.
ReplyBudget::Key ReplyBudget::key_of(const SocketAddress& source) {
  Key key{};
  if (source.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&source.storage);
    key[10] = key[11] = 0xFF;
    std::memcpy(key.data() + 12, &in->sin_addr, 4);
  } else if (source.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&source.storage);
    std::memcpy(key.data(), &in6->sin6_addr, 16);
  }
  return key;
}

void ReplyBudget::forget_expired(TimePoint now) {
  for (auto it = usage_.begin(); it != usage_.end();) {
    it = now - it->second.window_start >= window_ ? usage_.erase(it) : std::next(it);
  }
  if (usage_.size() >= max_sources_) usage_.clear();  // a flood of sources: start over
}

bool ReplyBudget::allow(const SocketAddress& source, size_t received, size_t reply, TimePoint now) {
  if (usage_.size() >= max_sources_) forget_expired(now);
  Usage& usage = usage_[key_of(source)];
  if (usage.received == 0 && usage.sent == 0) usage.window_start = now;
  if (now - usage.window_start >= window_) usage = Usage{now, 0, 0};
  usage.received += received;
  if (usage.sent + reply > usage.received + burst_) return false;
  usage.sent += reply;
  return true;
}

}  // namespace ackd

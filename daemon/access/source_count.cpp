#include "daemon/access/source_count.h"

namespace ackd {

void SourceCount::closed(const SourceKey& key) {
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

size_t SourceCount::count(const SourceKey& key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace ackd

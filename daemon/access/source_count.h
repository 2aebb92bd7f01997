// SourceCount: how many connections each source has open in this process
// (max_connections_per_source). An entry lives only while its source has a
// connection open, so the table is bounded by the process's own connection
// limit (max_connections, or a dispatcher's max_children).
#pragma once

#include <cstddef>
#include <unordered_map>

#include "daemon/access/source_key.h"

namespace ackd {

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

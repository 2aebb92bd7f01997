#include "daemon/histogram.h"

#include <cmath>
#include <limits>

namespace ackd {

uint64_t histogram_count(std::span<const uint64_t> buckets) {
  uint64_t count = 0;
  for (uint64_t n : buckets) count += n;
  return count;
}

std::optional<double> histogram_quantile_bound(std::span<const double> bounds,
                                               std::span<const uint64_t> buckets, double q) {
  uint64_t count = histogram_count(buckets);
  if (count == 0) return std::nullopt;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t b = 0; b < bounds.size() && b < buckets.size(); ++b) {
    seen += buckets[b];
    if (seen >= rank) return bounds[b];
  }
  return std::numeric_limits<double>::infinity();
}

}  // namespace ackd

// Histograms in shared memory count each observation in the bucket of the
// first upper bound (seconds, Prometheus's `le`, inclusive) that holds it;
// one bucket past the last bound takes the rest. The buckets are stored
// per bucket, not cumulative: the exporter adds them up. What can be told of
// them (their count, a quantile's bound) is read here, for the exporter and
// for `ackctl status` alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ackd {

// The bucket of a duration of `ns` nanoseconds: bounds.size() if over them all.
inline size_t histogram_bucket(std::span<const double> bounds, uint64_t ns) {
  double seconds = static_cast<double>(ns) / 1e9;
  size_t bucket = 0;
  while (bucket < bounds.size() && seconds > bounds[bucket]) ++bucket;
  return bucket;
}

// Observations in every bucket.
uint64_t histogram_count(std::span<const uint64_t> buckets);

// What the buckets tell of the q-quantile (0 < q <= 1): the upper bound of
// the bucket that holds the observation of rank ceil(q * count), an upper
// bound of the quantile, not an estimate; infinity if that is the last
// bucket, past every bound; nullopt if there is no observation.
std::optional<double> histogram_quantile_bound(std::span<const double> bounds,
                                               std::span<const uint64_t> buckets, double q);

}  // namespace ackd

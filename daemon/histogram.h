// Histograms in shared memory count each observation in the bucket of the
// first upper bound (seconds, Prometheus's `le`, inclusive) that holds it;
// one bucket past the last bound takes the rest. The buckets are stored
// per bucket, not cumulative: the exporter adds them up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ackd {

// The bucket of a duration of `ns` nanoseconds: bounds.size() if over them all.
inline size_t histogram_bucket(std::span<const double> bounds, uint64_t ns) {
  double seconds = static_cast<double>(ns) / 1e9;
  size_t bucket = 0;
  while (bucket < bounds.size() && seconds > bounds[bucket]) ++bucket;
  return bucket;
}

}  // namespace ackd

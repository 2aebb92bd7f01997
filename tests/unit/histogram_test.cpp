#include "daemon/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ackd {
namespace {

constexpr double kBounds[] = {0.001, 0.01, 0.1};

// An observation on a bound is in that bound's bucket (Prometheus's `le`).
TEST(Histogram, BucketOfADuration) {
  EXPECT_EQ(histogram_bucket(kBounds, 0), 0u);
  EXPECT_EQ(histogram_bucket(kBounds, 1'000'000), 0u);
  EXPECT_EQ(histogram_bucket(kBounds, 1'000'001), 1u);
  EXPECT_EQ(histogram_bucket(kBounds, 5'000'000'000), 3u);
}

// The bound of the bucket holding the observation of rank ceil(q * n):
// an upper bound of the quantile; past every bound, infinity.
TEST(Histogram, QuantileBounds) {
  struct Case {
    std::vector<uint64_t> buckets;
    double q;
    std::optional<double> bound;
  };
  const double inf = INFINITY;
  const Case cases[] = {
      {{0, 0, 0, 0}, 0.5, std::nullopt}, {{4, 0, 0, 0}, 0.99, 0.001},
      {{50, 50, 0, 0}, 0.5, 0.001},  // rank 50: the last of the first bucket
      {{49, 51, 0, 0}, 0.5, 0.01},   // rank 50: in the second
      {{98, 1, 0, 1}, 0.99, 0.01},   // rank 99
      {{98, 1, 0, 1}, 1.0, inf},     // the largest: past the last bound
      {{0, 0, 0, 3}, 0.5, inf},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(histogram_count(c.buckets),
              c.buckets[0] + c.buckets[1] + c.buckets[2] + c.buckets[3]);
    EXPECT_EQ(histogram_quantile_bound(kBounds, c.buckets, c.q), c.bound)
        << "q " << c.q << ", buckets " << c.buckets[0] << " " << c.buckets[1] << " " << c.buckets[2]
        << " " << c.buckets[3];
  }
}

}  // namespace
}  // namespace ackd

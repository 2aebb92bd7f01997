#include "client/bench_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace ackd::client {
namespace {

// |actual - expected| within `fraction` of expected.
void expect_near_fraction(uint64_t actual, double expected, double fraction, const char* what) {
  EXPECT_NEAR(static_cast<double>(actual), expected, expected * fraction) << what;
}

TEST(AckctlBenchHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(AckctlBenchHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 128; ++v) EXPECT_EQ(LatencyHistogram::bucket_of(v), v);
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 50u);
  EXPECT_EQ(h.percentile(0.9), 90u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.percentile(0.0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

// Every value lands in a bucket that holds it, and the buckets tile the
// range: each starts where the previous ends, at most 1/128 of its start wide.
TEST(AckctlBenchHistogramTest, BucketsTileTheRange) {
  size_t buckets = LatencyHistogram::bucket_count();
  EXPECT_LT(buckets, 6000u);  // bounded memory: ~43 KiB
  for (size_t b = 1; b < buckets; ++b) {
    ASSERT_EQ(LatencyHistogram::bucket_low(b),
              LatencyHistogram::bucket_low(b - 1) + LatencyHistogram::bucket_width(b - 1))
        << b;
    if (b >= 128) {
      ASSERT_LE(LatencyHistogram::bucket_width(b) * 128, LatencyHistogram::bucket_low(b)) << b;
    }
  }
  std::mt19937_64 random(7);
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = random() >> (random() % 47 + 17);  // 0 .. 2^47: every magnitude
    size_t b = LatencyHistogram::bucket_of(v);
    ASSERT_LE(LatencyHistogram::bucket_low(b), v);
    ASSERT_LT(v, LatencyHistogram::bucket_low(b) + LatencyHistogram::bucket_width(b));
  }
}

TEST(AckctlBenchHistogramTest, HugeValuesAreClamped) {
  LatencyHistogram h;
  h.record(UINT64_MAX);
  EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX), LatencyHistogram::bucket_count() - 1);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_EQ(h.count(), 1u);
}

TEST(AckctlBenchHistogramTest, UniformPercentilesWithinOnePercent) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 1000000; ++v) h.record(v * 10);  // 10 ns .. 10 ms
  struct {
    double quantile;
    double expected;
  } cases[] = {{0.5, 5e6}, {0.9, 9e6}, {0.99, 9.9e6}, {0.999, 9.99e6}, {0.01, 1e5}};
  for (const auto& c : cases) expect_near_fraction(h.percentile(c.quantile), c.expected, 0.01, "");
  EXPECT_EQ(h.max(), 10000000u);
  EXPECT_EQ(h.count(), 1000000u);
}

// 90% fast answers near 50 us, 10% slow ones near 20 ms: p50 and p90 in the
// first mode, p99 and p99.9 in the second.
TEST(AckctlBenchHistogramTest, BimodalPercentilesWithinOnePercent) {
  LatencyHistogram h;
  std::mt19937_64 random(42);
  std::uniform_int_distribution<uint64_t> fast(45000, 55000), slow(19000000, 21000000);
  std::vector<uint64_t> samples;
  for (int i = 0; i < 200000; ++i) samples.push_back(i % 10 == 9 ? slow(random) : fast(random));
  for (uint64_t v : samples) h.record(v);
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.8, 0.89, 0.95, 0.99, 0.999}) {
    double exact = static_cast<double>(samples[static_cast<size_t>(std::ceil(q * 200000)) - 1]);
    expect_near_fraction(h.percentile(q), exact, 0.01, std::to_string(q).c_str());
  }
  EXPECT_LT(h.percentile(0.9), 60000u);
  EXPECT_GT(h.percentile(0.91), 19000000u);
}

TEST(AckctlBenchHistogramTest, MergeAddsCounts) {
  LatencyHistogram a, b;
  for (uint64_t v = 1; v <= 500; ++v) a.record(v * 1000);
  for (uint64_t v = 501; v <= 1000; ++v) b.record(v * 1000);
  a.merge(b);
  EXPECT_EQ(a.count(), 1000u);
  EXPECT_EQ(a.min(), 1000u);
  EXPECT_EQ(a.max(), 1000000u);
  expect_near_fraction(a.percentile(0.5), 500000, 0.01, "p50");
  expect_near_fraction(a.percentile(0.99), 990000, 0.01, "p99");
}

TEST(AckctlBenchHistogramTest, PercentileStaysWithinMinAndMax) {
  LatencyHistogram h;
  h.record(1000001);
  EXPECT_EQ(h.percentile(0.5), 1000001u);
  EXPECT_EQ(h.percentile(0.999), 1000001u);
}

}  // namespace
}  // namespace ackd::client

#include "client/bench_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ackd::client {
namespace {

constexpr uint64_t kSubBuckets = uint64_t{1} << LatencyHistogram::kSubBucketBits;
// The largest value kept as it is; larger ones land in the last bucket.
constexpr uint64_t kMaxValue =
    (uint64_t{1} << (LatencyHistogram::kMaxExponent + LatencyHistogram::kSubBucketBits + 1)) - 1;

}  // namespace

// Values below 128 have a bucket each. Above, a value with its highest bit
// at position 7 + e falls in one of 128 buckets of width 2^e: its top 8 bits.
size_t LatencyHistogram::bucket_of(uint64_t value) {
  value = std::min(value, kMaxValue);
  if (value < kSubBuckets) return static_cast<size_t>(value);
  int exponent = std::bit_width(value) - 1 - kSubBucketBits;
  return static_cast<size_t>(kSubBuckets * exponent + (value >> exponent));
}

uint64_t LatencyHistogram::bucket_low(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  uint64_t exponent = bucket / kSubBuckets - 1;
  return (bucket - kSubBuckets * exponent) << exponent;
}

uint64_t LatencyHistogram::bucket_width(size_t bucket) {
  if (bucket < kSubBuckets) return 1;
  return uint64_t{1} << (bucket / kSubBuckets - 1);
}

size_t LatencyHistogram::bucket_count() { return bucket_of(kMaxValue) + 1; }

LatencyHistogram::LatencyHistogram() : counts_(bucket_count(), 0) {}

void LatencyHistogram::record(uint64_t value) {
  ++counts_[bucket_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double quantile) const {
  if (count_ == 0) return 0;
  quantile = std::clamp(quantile, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t middle = bucket_low(i) + (bucket_width(i) - 1) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

}  // namespace ackd::client

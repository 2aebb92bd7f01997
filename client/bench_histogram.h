// LatencyHistogram: `ackctl bench`'s record of exchange latencies, in the
// manner of HdrHistogram: log-linear buckets (128 linear sub-buckets per power
// of two, so any value is known within 0.4%), fixed memory whatever the
// number of samples, merged across threads, and read as percentiles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ackd::client {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;  // 128 sub-buckets: 1/128 relative width
  static constexpr int kMaxExponent = 40;   // values up to 2^47 ns (39 h); larger are clamped

  LatencyHistogram();

  // Adds one sample (nanoseconds). Constant time, never allocates.
  void record(uint64_t value);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }

  // The value below which a fraction `quantile` (0..1) of the samples lie:
  // the middle of the bucket holding the sample of rank ceil(quantile *
  // count), kept within [min, max]. 0 when empty.
  uint64_t percentile(double quantile) const;

  // Bucket arithmetic, public for the tests.
  static size_t bucket_of(uint64_t value);
  static uint64_t bucket_low(size_t bucket);
  static uint64_t bucket_width(size_t bucket);
  static size_t bucket_count();

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace ackd::client

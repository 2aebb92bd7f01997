#include "daemon/histogram_report.h"

#include <fmt/format.h>

#include <cmath>

#include "daemon/histogram.h"

namespace ackd {

std::string format_seconds(double seconds) {
  if (seconds < 0.001) return fmt::format("{:.3g}us", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.3g}ms", seconds * 1e3);
  return fmt::format("{:.3g}s", seconds);
}

std::string format_quantile_bound(std::optional<double> bound, std::span<const double> bounds) {
  if (!bound) return "-";
  if (std::isinf(*bound)) return fmt::format(">{}", format_seconds(bounds.back()));
  return fmt::format("<={}", format_seconds(*bound));
}

std::string histogram_summary(std::span<const double> bounds, std::span<const uint64_t> buckets,
                              uint64_t sum_ns) {
  uint64_t count = histogram_count(buckets);
  if (count == 0) return "";
  double mean = static_cast<double>(sum_ns) / 1e9 / static_cast<double>(count);
  return fmt::format(
      "mean {}, p50 {}, p99 {}", format_seconds(mean),
      format_quantile_bound(histogram_quantile_bound(bounds, buckets, 0.5), bounds),
      format_quantile_bound(histogram_quantile_bound(bounds, buckets, 0.99), bounds));
}

std::string histogram_json(std::span<const double> bounds, std::span<const uint64_t> buckets,
                           uint64_t sum_ns) {
  std::string le, cumulative;
  uint64_t count = 0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    count += buckets[b];
    cumulative += fmt::format("{}{}", b ? "," : "", count);
    if (b < bounds.size()) le += fmt::format("{}{}", b ? "," : "", bounds[b]);
  }
  return fmt::format(R"({{"count":{},"sum_seconds":{},"le":[{}],"buckets":[{}]}})", count,
                     static_cast<double>(sum_ns) / 1e9, le, cumulative);
}

}  // namespace ackd

// Histograms as `ackctl status` shows them (the reply latency per
// listener, the spool's sync times): for people, the count, the mean and
// the bounds of the median and the 99th percentile, which is what the
// buckets honestly tell (histogram.h); as JSON, the buckets as the metrics
// serve them, cumulative per upper bound `le`, for scripts to compute more.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ackd {

// "25us", "2.5ms", "1s".
std::string format_seconds(double seconds);
// A quantile's bound: "<=2.5ms"; ">1s" past the last bound; "-" for none.
std::string format_quantile_bound(std::optional<double> bound, std::span<const double> bounds);

// "mean 1.2ms, p50 <=2.5ms, p99 <=5ms"; "" if there is no observation.
std::string histogram_summary(std::span<const double> bounds, std::span<const uint64_t> buckets,
                              uint64_t sum_ns);
// {"count":N,"sum_seconds":S,"le":[bounds...],"buckets":[cumulative per le, then all]}
std::string histogram_json(std::span<const double> bounds, std::span<const uint64_t> buckets,
                           uint64_t sum_ns);

}  // namespace ackd

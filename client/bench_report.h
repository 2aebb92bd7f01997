// The report of `ackctl bench`: acks, acks/s, errors by kind and latency
// percentiles (microseconds), as text for people or one JSON object for
// scripts, and the exit status the run maps to.
#pragma once

#include <string>

#include "client/bench_options.h"
#include "client/bench_runner.h"

namespace ackd::client {

// The percentiles reported, as fractions and as their JSON names.
struct Percentile {
  double quantile;
  const char* name;
};
inline constexpr Percentile kReportedPercentiles[] = {
    {0.50, "p50"}, {0.90, "p90"}, {0.99, "p99"}, {0.999, "p99.9"}};

std::string format_bench_text(const BenchPlan& plan, const BenchResult& result);
std::string format_bench_json(const BenchPlan& plan, const BenchResult& result);

// 0: acks and no error. Nothing acked: 3 if every attempt was refused, 4 if
// every one timed out. Otherwise 6 when any error was counted, 1 when no
// exchange ended at all.
int bench_exit_code(const BenchResult& result);

// The --help text on exit status.
extern const char* const kBenchExitCodesHelp;

}  // namespace ackd::client

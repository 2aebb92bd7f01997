// Running `ackctl bench`: resolves the target, raises the open-file limit to
// what the clients need, starts one BenchWorker thread per --threads, shows
// progress once a second, and gathers the workers' counts and latencies.
#pragma once

#include <ostream>
#include <vector>

#include "client/bench_histogram.h"
#include "client/bench_options.h"
#include "client/bench_worker.h"
#include "common/socket_address.h"

namespace ackd::client {

struct BenchResult {
  BenchCounts counts;
  LatencyHistogram latency;  // nanoseconds
  double seconds = 0;        // from the start of the measured run to its last exchange
};

// Runs `plan`; with `progress`, writes a line there each second (rewritten
// in place with \r, erased at the end). Throws ClientError when the run
// cannot start (unknown host, too few file descriptors).
BenchResult run_bench_plan(const BenchPlan& plan, std::ostream* progress);

// The address to measure among those `resolved` for the target, in order: for
// a stream mode the first that accepts a connection (a probe, closed at
// once), as send tries each; else, or if none accepts, the first.
SocketAddress bench_address(const BenchPlan& plan, const std::vector<SocketAddress>& resolved);

// The message each client sends: `size` bytes; on a stream the last is LF.
std::string bench_message(const BenchPlan& plan);

}  // namespace ackd::client

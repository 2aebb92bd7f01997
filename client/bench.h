// `ackctl bench`: a load generator for ackd or any tutorial-style ack server,
// in the manner of wrk and redis-benchmark: connection-per-message,
// keep-alive and datagram modes; prints acks/s, errors by kind and latency
// percentiles, or one JSON object with --json.
#pragma once

#include <CLI/CLI.hpp>

#include "client/bench_options.h"

namespace ackd::client {

// Adds the `bench` subcommand to `app`; its callback runs run_bench().
void setup_bench(CLI::App& app);

// Runs the benchmark and prints its report; returns the exit status
// (bench_exit_code). Failures to start throw ClientError.
int run_bench(const BenchOptions& options);

}  // namespace ackd::client

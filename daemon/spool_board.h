// SpoolBoard: what the spool's writers measure, in the scoreboard's shared
// memory: how long each sync took (with ack_after = "fsync": the
// fdatasync of a group commit, the fsync of the directory for a new
// segment), as a histogram the exporter serves. Every writer (a prefork
// worker, a fork-mode dispatcher) adds to it once per sync, which costs
// nothing beside the sync; it is never reset, so it survives worker
// restarts, reloads and upgrades (the scoreboard is passed on).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "daemon/histogram.h"

namespace ackd {

// Upper bounds in seconds: 10 microseconds (a sync on a battery-backed
// cache) to 1 second (a disk that stalls).
inline constexpr double kSyncBounds[] = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
                                         0.001,   0.0025,   0.005,   0.01,   0.025,   0.05,
                                         0.1,     0.25,     0.5,     1};
inline constexpr size_t kSyncBuckets = std::size(kSyncBounds) + 1;

struct SpoolBoard {
  std::atomic<uint64_t> syncs[kSyncBuckets] = {};  // per bucket, not cumulative
  std::atomic<uint64_t> sync_ns{0};                // their sum

  void observe_sync(uint64_t ns) {
    syncs[histogram_bucket(kSyncBounds, ns)].fetch_add(1, std::memory_order_relaxed);
    sync_ns.fetch_add(ns, std::memory_order_relaxed);
  }
};

}  // namespace ackd

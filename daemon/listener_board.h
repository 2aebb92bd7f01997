// ListenerBoard: the counters of each listener, by name, in the scoreboard's
// shared memory (refusals by kind among them). A serving process counts in a ListenerTally of its
// own (plain integers, no sharing on the hot path) and adds it to its listener's row once per loop
// turn; the exporter reads the rows. Rows are claimed by name and never freed, so a listener's
// counters survive worker restarts, reloads and upgrades (the scoreboard is passed on) and never go
// back; a listener renamed is a new row.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/access/refusal.h"

namespace ackd {

inline constexpr size_t kListenerRows = 32;
inline constexpr size_t kListenerNameMax = 63;

// The reply latency histogram's upper bounds, in seconds (Prometheus's
// `le`), from 10 microseconds to 10 seconds; a last bucket takes the rest.
inline constexpr double kLatencyBounds[] = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,   0.05,     0.1,     0.25,   0.5,     1,      2.5,   5,      10};
inline constexpr size_t kLatencyBuckets = std::size(kLatencyBounds) + 1;

// One listener's counts, as values (a tally, or a row read).
struct ListenerCounts {
  uint64_t connections = 0;  // accepted (stream listeners)
  uint64_t messages = 0;
  uint64_t replies = 0;  // the service's, not ERR lines
  uint64_t errors = 0;   // answered with ERR, or closed for a protocol error
  uint64_t received_bytes = 0;
  uint64_t sent_bytes = 0;
  uint64_t latency[kLatencyBuckets] = {};  // per bucket, not cumulative
  uint64_t latency_sum_ns = 0;
  uint64_t refused[kRefusalKinds] = {};  // by Refusal

  void count_refusal(Refusal why) { ++refused[index_of(why)]; }
  // `count` replies left `ns` nanoseconds after their message's last byte.
  void observe_latency(uint64_t ns, uint64_t count);
  uint64_t latency_count() const;
  bool empty() const;
};

struct ListenerBoardRow {
  std::atomic<uint32_t> state{0};  // kFree, kClaiming, kReady
  char name[kListenerNameMax + 1] = {};
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> replies{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> received_bytes{0};
  std::atomic<uint64_t> sent_bytes{0};
  std::atomic<uint64_t> latency[kLatencyBuckets] = {};
  std::atomic<uint64_t> latency_sum_ns{0};
  std::atomic<uint64_t> refused[kRefusalKinds] = {};
};

class ListenerBoard {
 public:
  // The row of the listener `name`, claimed if it has none yet (by any
  // process sharing the board); nullopt when every row is taken.
  std::optional<size_t> row_for(std::string_view name);
  // Adds `tally` to the row, and zeroes it.
  void add(size_t index, ListenerCounts& tally);
  // The listeners with a row, and their counts.
  template <class F>
  void for_each(F f) const {
    for (const ListenerBoardRow& row : rows_) {
      if (row.state.load(std::memory_order_acquire) == kReady) f(std::string(row.name), read(row));
    }
  }

 private:
  static constexpr uint32_t kFree = 0, kClaiming = 1, kReady = 2;
  static ListenerCounts read(const ListenerBoardRow& row);

  ListenerBoardRow rows_[kListenerRows];
};

}  // namespace ackd

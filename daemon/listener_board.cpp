#include "daemon/listener_board.h"

#include <sched.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include "daemon/histogram.h"

namespace ackd {

void ListenerCounts::observe_latency(uint64_t ns, uint64_t count) {
  if (count == 0) return;
  latency[histogram_bucket(kLatencyBounds, ns)] += count;
  latency_sum_ns += ns * count;
}

uint64_t ListenerCounts::latency_count() const { return histogram_count(latency); }

bool ListenerCounts::empty() const {
  auto zero = [](uint64_t n) { return n == 0; };
  return connections == 0 && messages == 0 && replies == 0 && errors == 0 && received_bytes == 0 &&
         sent_bytes == 0 && latency_sum_ns == 0 && latency_count() == 0 &&
         std::all_of(std::begin(refused), std::end(refused), zero);
}

std::optional<size_t> ListenerBoard::row_for(std::string_view name) {
  name = name.substr(0, kListenerNameMax);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < kListenerRows; ++i) {
      ListenerBoardRow& row = rows_[i];
      uint32_t state = row.state.load(std::memory_order_acquire);
      while (state == kClaiming) {  // another process is writing the name
        sched_yield();
        state = row.state.load(std::memory_order_acquire);
      }
      if (state == kReady && name == row.name) return i;
      // Free rows are taken on the second pass only, once no row has the name.
      if (state != kFree || pass == 0) continue;
      if (!row.state.compare_exchange_strong(state, kClaiming, std::memory_order_acquire)) {
        --i;  // taken meanwhile: look at it again
        continue;
      }
      std::memcpy(row.name, name.data(), name.size());
      row.name[name.size()] = '\0';
      row.state.store(kReady, std::memory_order_release);
      return i;
    }
  }
  return std::nullopt;
}

void ListenerBoard::add(size_t index, ListenerCounts& tally) {
  ListenerBoardRow& row = rows_[index];
  auto add = [](std::atomic<uint64_t>& to, uint64_t& from) {
    if (from != 0) to.fetch_add(std::exchange(from, 0), std::memory_order_relaxed);
  };
  add(row.connections, tally.connections);
  add(row.messages, tally.messages);
  add(row.replies, tally.replies);
  add(row.errors, tally.errors);
  add(row.received_bytes, tally.received_bytes);
  add(row.sent_bytes, tally.sent_bytes);
  for (size_t b = 0; b < kLatencyBuckets; ++b) add(row.latency[b], tally.latency[b]);
  add(row.latency_sum_ns, tally.latency_sum_ns);
  for (size_t r = 0; r < kRefusalKinds; ++r) add(row.refused[r], tally.refused[r]);
}

ListenerCounts ListenerBoard::read(const ListenerBoardRow& row) {
  ListenerCounts counts;
  auto get = [](const std::atomic<uint64_t>& value) {
    return value.load(std::memory_order_relaxed);
  };
  counts.connections = get(row.connections);
  counts.messages = get(row.messages);
  counts.replies = get(row.replies);
  counts.errors = get(row.errors);
  counts.received_bytes = get(row.received_bytes);
  counts.sent_bytes = get(row.sent_bytes);
  for (size_t b = 0; b < kLatencyBuckets; ++b) counts.latency[b] = get(row.latency[b]);
  counts.latency_sum_ns = get(row.latency_sum_ns);
  for (size_t r = 0; r < kRefusalKinds; ++r) counts.refused[r] = get(row.refused[r]);
  return counts;
}

}  // namespace ackd

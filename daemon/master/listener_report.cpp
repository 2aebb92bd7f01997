#include "daemon/master/listener_report.h"

#include <fmt/format.h>

#include "common/json.h"
#include "daemon/histogram.h"
#include "daemon/histogram_report.h"

namespace ackd {
namespace {

constexpr const char* kRow = "{:<16} {:>10} {:>10} {:>10} {:>7} {:>12} {:>12}  {}\n";

// "  refused: deny 1, message_rate 4\n", or "" if it refused nothing.
std::string refusals_line(const ListenerCounts& c) {
  std::string reasons;
  for (size_t r = 0; r < kRefusalKinds; ++r) {
    if (c.refused[r] == 0) continue;
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ",
                           to_string(static_cast<Refusal>(r)), c.refused[r]);
  }
  return reasons.empty() ? "" : "  refused: " + reasons + "\n";
}

std::string latency_text(const ListenerCounts& c) {
  return format_quantile_bound(histogram_quantile_bound(kLatencyBounds, c.latency, 0.5),
                               kLatencyBounds) +
         " / " +
         format_quantile_bound(histogram_quantile_bound(kLatencyBounds, c.latency, 0.99),
                               kLatencyBounds);
}

std::string refusals_json(const ListenerCounts& c) {
  std::string out = "{";
  for (size_t r = 0; r < kRefusalKinds; ++r) {
    out += fmt::format("{}{}:{}", r ? "," : "", json_string(to_string(static_cast<Refusal>(r))),
                       c.refused[r]);
  }
  return out + "}";
}

}  // namespace

std::string render_listener_totals_text(const std::vector<ListenerTotals>& listeners) {
  if (listeners.empty()) return "";
  std::string out = "\n";
  out += fmt::format(kRow, "LISTENER", "CONNS", "MESSAGES", "REPLIES", "ERRORS", "BYTES-IN",
                     "BYTES-OUT", "REPLY p50 / p99");
  for (const auto& [name, c] : listeners) {
    out += fmt::format(kRow, name, c.connections, c.messages, c.replies, c.errors, c.received_bytes,
                       c.sent_bytes, latency_text(c));
    out += refusals_line(c);
  }
  return out;
}

std::string render_listener_totals_json(const std::vector<ListenerTotals>& listeners) {
  std::string out = ",\"listener_totals\":[";
  for (size_t i = 0; i < listeners.size(); ++i) {
    const auto& [name, c] = listeners[i];
    out += fmt::format(
        "{}{{\"name\":{},\"connections\":{},\"messages\":{},\"replies\":{},\"errors\":{},"
        "\"received_bytes\":{},\"sent_bytes\":{},\"refused\":{},\"reply_latency\":{}}}",
        i ? "," : "", json_string(name), c.connections, c.messages, c.replies, c.errors,
        c.received_bytes, c.sent_bytes, refusals_json(c),
        histogram_json(kLatencyBounds, c.latency, c.latency_sum_ns));
  }
  return out + "]";
}

}  // namespace ackd

#include "daemon/master/status_report.h"

#include <fmt/format.h>

#include "common/duration.h"
#include "common/json.h"

namespace ackd {
namespace {

struct Totals {
  uint64_t open_connections = 0, connections = 0, messages = 0, replies = 0, errors = 0,
           restarts = 0, dropped = 0, refused = 0;
};

Totals totals_of(const StatusSnapshot& status) {
  Totals t;
  for (const WorkerRow& w : status.workers) {
    t.open_connections += w.open_connections;
    t.connections += w.connections;
    t.messages += w.messages;
    t.replies += w.replies;
    t.errors += w.errors;
    t.restarts += w.restarts;
    t.dropped += w.dropped;
    t.refused += w.refused;
  }
  return t;
}

}  // namespace

std::string render_status_text(const StatusSnapshot& s) {
  // The state is named when it is not the usual one.
  std::string state = s.state == "serving" ? "" : ", " + s.state;
  std::string out = fmt::format("master pid {}, up {}, generation {}, {} mode{}\nconfig {}\n\n",
                                s.master_pid, format_duration(Duration(s.uptime_ms / 1000 * 1000)),
                                s.generation, s.mode, state, s.config_source);
  out += "LISTENER         PROTOCOL  ADDRESS\n";
  for (const ListenerRow& l : s.listeners) {
    out += fmt::format("{:<16} {:<9} {}\n", l.name, l.protocol, l.address);
  }
  out += fmt::format("\n{:>8} {:>4} {:>4} {:<9} {:>6} {:>10} {:>10} {:>10} {:>7} {:>9} {:>8}\n",
                     "PID", "SLOT", "GEN", "STATE", "OPEN", "CONNS", "MESSAGES", "REPLIES",
                     "ERRORS", "HEARTBEAT", "RESTARTS");
  for (const WorkerRow& w : s.workers) {
    out += fmt::format("{:>8} {:>4} {:>4} {:<9} {:>6} {:>10} {:>10} {:>10} {:>7} {:>7}ms {:>8}\n",
                       w.pid, w.slot, w.generation, w.state, w.open_connections, w.connections,
                       w.messages, w.replies, w.errors, w.heartbeat_age_ms, w.restarts);
  }
  Totals t = totals_of(s);
  if (t.dropped > 0)
    out += fmt::format("udp replies dropped (amplification bound): {}\n", t.dropped);
  if (t.refused > 0) {
    out += fmt::format("refused (allow, deny, per-source limits): {}\n", t.refused);
  }
  out += fmt::format("{:>8} {:>4} {:>4} {:<9} {:>6} {:>10} {:>10} {:>10} {:>7} {:>9} {:>8}\n",
                     "total", "", "", fmt::format("{} wkrs", s.workers.size()), t.open_connections,
                     t.connections, t.messages, t.replies, t.errors, "", t.restarts);
  out += render_replication_text(s.replication);
  return out;
}

// "acks" is the old name of "replies", kept beside it for the JSON readers
// of 0.1 until 0.3 (docs/operations.md).
std::string render_status_json(const StatusSnapshot& s) {
  std::string out = fmt::format(
      "{{\"master_pid\":{},\"uptime_ms\":{},\"generation\":{},\"config\":{},\"mode\":{},"
      "\"state\":{},\"listeners\":[",
      s.master_pid, s.uptime_ms, s.generation, json_string(s.config_source), json_string(s.mode),
      json_string(s.state));
  for (size_t i = 0; i < s.listeners.size(); ++i) {
    const ListenerRow& l = s.listeners[i];
    out += fmt::format("{}{{\"name\":{},\"protocol\":{},\"address\":{}}}", i ? "," : "",
                       json_string(l.name), json_string(l.protocol), json_string(l.address));
  }
  out += "],\"workers\":[";
  for (size_t i = 0; i < s.workers.size(); ++i) {
    const WorkerRow& w = s.workers[i];
    out += fmt::format(
        "{}{{\"pid\":{},\"slot\":{},\"generation\":{},\"state\":{},\"open_connections\":{},"
        "\"connections\":{},\"messages\":{},\"replies\":{},\"acks\":{},\"errors\":{},"
        "\"dropped\":{},\"refused\":{},\"heartbeat_age_ms\":{},\"restarts\":{}}}",
        i ? "," : "", w.pid, w.slot, w.generation, json_string(w.state), w.open_connections,
        w.connections, w.messages, w.replies, w.replies, w.errors, w.dropped, w.refused,
        w.heartbeat_age_ms, w.restarts);
  }
  Totals t = totals_of(s);
  out += fmt::format(
      "],\"totals\":{{\"workers\":{},\"open_connections\":{},\"connections\":{},\"messages\":{},"
      "\"replies\":{},\"acks\":{},\"errors\":{},\"dropped\":{},\"refused\":{},\"restarts\":{}}}"
      "{}}}\n",
      s.workers.size(), t.open_connections, t.connections, t.messages, t.replies, t.replies,
      t.errors, t.dropped, t.refused, t.restarts, render_replication_json(s.replication));
  return out;
}

std::string status_line(const StatusSnapshot& s) {
  Totals t = totals_of(s);
  return fmt::format("{} workers, {} replies, {} errors, {} udp replies dropped", s.workers.size(),
                     t.replies, t.errors, t.dropped);
}

}  // namespace ackd

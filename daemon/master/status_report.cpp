#include "daemon/master/status_report.h"

#include <fmt/format.h>

#include "common/duration.h"
#include "common/json.h"
#include "daemon/master/listener_report.h"

namespace ackd {
namespace {

// Restarts of the processes that serve clients, since the daemon started.
uint64_t serving_restarts(const StatusSnapshot& s) {
  uint64_t restarts = 0;
  for (const RoleTotals& role : s.roles) {
    if (serves_clients(role.role)) restarts += role.restarts;
  }
  return restarts;
}

bool worth_a_row(const RoleTotals& role) {
  return role.running + role.restarts + role.throttled + role.hung_killed > 0;
}

std::string render_aux_text(const StatusSnapshot& s) {
  if (s.aux.empty()) return "";
  std::string out = fmt::format("\n{:<12} {:>8} {:<9} {:>9} {:>8}\n", "PROCESS", "PID", "STATE",
                                "HEARTBEAT", "RESTARTS");
  for (const AuxProcessRow& a : s.aux) {
    out += fmt::format("{:<12} {:>8} {:<9} {:>7}ms {:>8}\n", a.role, a.pid, a.state,
                       a.heartbeat_age_ms, a.restarts);
  }
  return out;
}

std::string render_aux_json(const StatusSnapshot& s) {
  std::string out = ",\"aux\":[";
  for (size_t i = 0; i < s.aux.size(); ++i) {
    const AuxProcessRow& a = s.aux[i];
    out += fmt::format(
        "{}{{\"role\":{},\"pid\":{},\"state\":{},\"heartbeat_age_ms\":{},\"restarts\":{}}}",
        i ? "," : "", json_string(a.role), a.pid, json_string(a.state), a.heartbeat_age_ms,
        a.restarts);
  }
  return out + "]";
}

std::string render_roles_text(const StatusSnapshot& s) {
  std::string out = fmt::format("\n{:<12} {:>7} {:>8} {:>9} {:>11}\n", "ROLE", "RUNNING",
                                "RESTARTS", "THROTTLED", "HUNG-KILLED");
  for (const RoleTotals& role : s.roles) {
    if (!worth_a_row(role)) continue;
    out += fmt::format("{:<12} {:>7} {:>8} {:>9} {:>11}\n", to_string(role.role), role.running,
                       role.restarts, role.throttled, role.hung_killed);
  }
  out += fmt::format("reloads: {} ok, {} failed; upgrades: {} ok, {} failed\n", s.reloads_ok,
                     s.reloads_failed, s.upgrades_ok, s.upgrades_failed);
  return out;
}

// Every role, as the metrics have a series for each.
std::string render_roles_json(const StatusSnapshot& s) {
  std::string out = ",\"roles\":[";
  for (size_t i = 0; i < s.roles.size(); ++i) {
    const RoleTotals& role = s.roles[i];
    out += fmt::format(
        "{}{{\"role\":{},\"running\":{},\"restarts\":{},\"throttled\":{},\"hung_killed\":{}}}",
        i ? "," : "", json_string(to_string(role.role)), role.running, role.restarts,
        role.throttled, role.hung_killed);
  }
  out += fmt::format(
      "],\"reloads\":{{\"ok\":{},\"failed\":{}}},\"upgrades\":{{\"ok\":{},\"failed\":{}}}",
      s.reloads_ok, s.reloads_failed, s.upgrades_ok, s.upgrades_failed);
  return out;
}

// The spool and replication: a line each, with the replicating processes
// under replication's.
std::string render_durability_text(const StatusSnapshot& s) {
  std::string out;
  if (s.spool) out += render_spool_text(*s.spool);
  if (s.replication_totals) out += render_replication_summary_text(*s.replication_totals);
  out += render_replication_text(s.replication);
  return out.empty() ? "" : "\n" + out;
}

std::string render_durability_json(const StatusSnapshot& s) {
  std::string out;
  if (s.spool) out += render_spool_json(*s.spool);
  if (s.replication_totals) out += render_replication_summary_json(*s.replication_totals);
  return out + render_replication_json(s.replication);
}

}  // namespace

void add_scoreboard_totals(StatusSnapshot& status, const Scoreboard& scoreboard) {
  status.totals = serve_totals(scoreboard);
  status.roles = role_totals(scoreboard);
  const MasterCounters& c = scoreboard.counters();
  status.reloads_ok = c.reloads_ok.load(std::memory_order_relaxed);
  status.reloads_failed = c.reloads_failed.load(std::memory_order_relaxed);
  status.upgrades_ok = c.upgrades_ok.load(std::memory_order_relaxed);
  status.upgrades_failed = c.upgrades_failed.load(std::memory_order_relaxed);
  status.listener_totals = listener_totals(scoreboard);
}

std::string render_status_text(const StatusSnapshot& s) {
  // The state is named when it is not the usual one.
  std::string state = s.state == "serving" ? "" : ", " + s.state;
  std::string out =
      fmt::format("ackd {}, master pid {}, up {}, generation {}, {} mode{}\nconfig {}\n\n",
                  s.version, s.master_pid, format_duration(Duration(s.uptime_ms / 1000 * 1000)),
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
  const ServeCounts& t = s.totals.counts;
  out +=
      fmt::format("{:>8} {:>4} {:>4} {:<9} {:>6} {:>10} {:>10} {:>10} {:>7} {:>9} {:>8}\n", "total",
                  "", "", fmt::format("{} wkrs", s.workers.size()), s.totals.open_connections,
                  t.connections, t.messages, t.replies, t.errors, "", serving_restarts(s));
  out += "(totals since ackd started: exited workers and earlier masters included)\n";
  if (t.udp_dropped > 0)
    out += fmt::format("udp replies dropped (amplification bound): {}\n", t.udp_dropped);
  if (t.refused > 0)
    out += fmt::format("refused (allow, deny, per-source limits, PROXY, TLS): {}\n", t.refused);
  return out + render_listener_totals_text(s.listener_totals) + render_durability_text(s) +
         render_aux_text(s) + render_roles_text(s);
}

// "acks" is the old name of "replies", kept beside it for the JSON readers
// of 0.1 until 0.3 (docs/operations.md).
std::string render_status_json(const StatusSnapshot& s) {
  std::string out = fmt::format(
      "{{\"master_pid\":{},\"version\":{},\"started\":{},\"uptime_ms\":{},\"generation\":{},"
      "\"config\":{},\"mode\":{},\"state\":{},\"listeners\":[",
      s.master_pid, json_string(s.version), s.started, s.uptime_ms, s.generation,
      json_string(s.config_source), json_string(s.mode), json_string(s.state));
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
  const ServeCounts& t = s.totals.counts;
  out += fmt::format(
      "],\"totals\":{{\"workers\":{},\"open_connections\":{},\"connections\":{},\"messages\":{},"
      "\"replies\":{},\"acks\":{},\"errors\":{},\"dropped\":{},\"refused\":{},\"restarts\":{}}}",
      s.workers.size(), s.totals.open_connections, t.connections, t.messages, t.replies, t.replies,
      t.errors, t.udp_dropped, t.refused, serving_restarts(s));
  return out + render_listener_totals_json(s.listener_totals) + render_durability_json(s) +
         render_aux_json(s) + render_roles_json(s) + "}\n";
}

std::string status_line(const StatusSnapshot& s) {
  const ServeCounts& t = s.totals.counts;
  return fmt::format("{} workers, {} replies, {} errors, {} udp replies dropped", s.workers.size(),
                     t.replies, t.errors, t.udp_dropped);
}

}  // namespace ackd

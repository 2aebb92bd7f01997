#include "tests/support/status_series.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace ackd::test {
namespace {

using Labels = std::map<std::string, std::string>;

// A bound as both sides name it: the same double, whichever digits wrote it.
std::string normal_bound(double bound) {
  if (std::isinf(bound)) return "+Inf";
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", bound);
  return text;
}

std::string series(const std::string& name, const Labels& labels = {}) {
  std::string out = name;
  for (const auto& [key, value] : labels) {
    out += (out.size() == name.size() ? "{" : ",") + key + "=\"" + value + "\"";
  }
  return labels.empty() ? out : out + "}";
}

// `name{a="x",b="y"}` into its name and labels (values without escapes:
// the tests' listener names have none).
std::pair<std::string, Labels> split_series(const std::string& text) {
  size_t open = text.find('{');
  if (open == std::string::npos) return {text, {}};
  Labels labels;
  size_t at = open + 1;
  while (at < text.size() && text[at] != '}') {
    size_t equals = text.find("=\"", at);
    size_t close = text.find('"', equals + 2);
    if (equals == std::string::npos || close == std::string::npos) break;
    std::string key = text.substr(at, equals - at);
    std::string value = text.substr(equals + 2, close - equals - 2);
    if (key == "le" && value != "+Inf") value = normal_bound(std::strtod(value.c_str(), nullptr));
    labels[key] = value;
    at = close + 1;
    if (at < text.size() && text[at] == ',') ++at;
  }
  return {text.substr(0, open), labels};
}

void add_histogram(Series& out, const std::string& name, const JsonValue& h, Labels labels) {
  out[series(name + "_count", labels)] = h["count"].number();
  out[series(name + "_sum", labels)] = h["sum_seconds"].number();
  const JsonValue::Array& bounds = h["le"].array();
  const JsonValue::Array& buckets = h["buckets"].array();
  for (size_t i = 0; i < buckets.size(); ++i) {
    labels["le"] = i < bounds.size() ? normal_bound(bounds[i].number()) : "+Inf";
    out[series(name + "_bucket", labels)] = buckets[i].number();
  }
}

void add_totals(Series& out, const JsonValue& totals) {
  const std::pair<const char*, const char*> names[] = {
      {"connections", "ackd_connections_accepted_total"},
      {"open_connections", "ackd_connections_open"},
      {"messages", "ackd_messages_total"},
      {"replies", "ackd_replies_total"},
      {"errors", "ackd_errors_total"},
      {"refused", "ackd_refused_total"},
      {"dropped", "ackd_udp_replies_dropped_total"}};
  for (const auto& [key, name] : names) out[name] = totals[key].number();
}

void add_listeners(Series& out, const JsonValue& listeners) {
  const std::pair<const char*, const char*> names[] = {
      {"connections", "ackd_listener_connections_accepted_total"},
      {"messages", "ackd_listener_messages_total"},
      {"replies", "ackd_listener_replies_total"},
      {"errors", "ackd_listener_errors_total"},
      {"received_bytes", "ackd_listener_received_bytes_total"},
      {"sent_bytes", "ackd_listener_sent_bytes_total"}};
  for (const JsonValue& l : listeners.array()) {
    Labels label = {{"listener", l["name"].string()}};
    for (const auto& [key, name] : names) out[series(name, label)] = l[key].number();
    for (const auto& [reason, count] : l["refused"].object()) {
      out[series("ackd_listener_refused_total",
                 {{"listener", l["name"].string()}, {"reason", reason}})] = count.number();
    }
    add_histogram(out, "ackd_reply_latency_seconds", l["reply_latency"], label);
  }
}

void add_roles(Series& out, const JsonValue& roles) {
  const std::pair<const char*, const char*> names[] = {
      {"running", "ackd_processes"},
      {"restarts", "ackd_process_restarts_total"},
      {"throttled", "ackd_process_respawns_throttled_total"},
      {"hung_killed", "ackd_processes_hung_killed_total"}};
  for (const JsonValue& r : roles.array()) {
    for (const auto& [key, name] : names) {
      out[series(name, {{"role", r["role"].string()}})] = r[key].number();
    }
  }
}

void add_master(Series& out, const JsonValue& s) {
  out[series("ackd_build_info", {{"version", s["version"].string()}})] = 1;
  out["ackd_start_time_seconds"] = s["started"].number();
  out["ackd_config_generation"] = s["generation"].number();
  for (const char* what : {"reloads", "upgrades"}) {
    for (const char* outcome : {"ok", "failed"}) {
      out[series(std::string("ackd_") + what + "_total", {{"outcome", outcome}})] =
          s[what][outcome].number();
    }
  }
}

void add_spool(Series& out, const JsonValue& spool) {
  if (spool.has("bytes")) out["ackd_spool_bytes"] = spool["bytes"].number();
  if (spool.has("segments")) out["ackd_spool_segments"] = spool["segments"].number();
  if (spool.has("fsync")) add_histogram(out, "ackd_spool_fsync_seconds", spool["fsync"], {});
}

void add_replication(Series& out, const JsonValue& r) {
  out["ackd_replication_stored_total"] = r["stored"].number();
  out["ackd_replication_failed_total"] = r["failed"].number();
  out["ackd_replication_in_flight"] = r["in_flight"].number();
  out["ackd_replication_forward_lag"] = r["forward_lag"].number();
  for (const auto& [state, count] : r["connections"].object()) {
    out[series("ackd_replication_connections", {{"state", state}})] = count.number();
  }
}

}  // namespace

Series exposition_series(const std::string& body) {
  Series out;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    auto [name, labels] = split_series(line.substr(0, space));
    out[series(name, labels)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

Series status_series(const JsonValue& s) {
  Series out;
  add_totals(out, s["totals"]);
  add_listeners(out, s["listener_totals"]);
  add_roles(out, s["roles"]);
  add_master(out, s);
  if (s.has("spool")) add_spool(out, s["spool"]);
  if (s.has("replication_totals")) add_replication(out, s["replication_totals"]);
  return out;
}

std::vector<std::string> series_differences(const Series& metrics, const Series& status) {
  std::vector<std::string> out;
  auto shown = [](const Series& side, const std::string& name) {
    auto it = side.find(name);
    return it == side.end() ? std::string("missing") : std::to_string(it->second);
  };
  auto same = [](double a, double b) { return a == b || std::abs(a - b) <= 1e-9 * std::abs(a); };
  for (const auto& [name, value] : metrics) {
    auto it = status.find(name);
    if (it == status.end() || !same(value, it->second)) {
      out.push_back(name + ": metrics " + shown(metrics, name) + ", status " + shown(status, name));
    }
  }
  for (const auto& [name, value] : status) {
    if (metrics.count(name) == 0)
      out.push_back(name + ": metrics missing, status " + shown(status, name));
  }
  return out;
}

}  // namespace ackd::test

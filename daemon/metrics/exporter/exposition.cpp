#include "daemon/metrics/exporter/exposition.h"

#include <prometheus/text_serializer.h>

#include "daemon/scoreboard_totals.h"

namespace ackd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric value_of(MetricType type, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

MetricFamily family(const char* name, const char* help, MetricType type) {
  return MetricFamily{name, help, type, {}};
}

MetricFamily single(const char* name, const char* help, MetricType type, double value) {
  MetricFamily f = family(name, help, type);
  f.metric.push_back(value_of(type, value));
  return f;
}

void add_serving(std::vector<MetricFamily>& out, const ServeTotals& t) {
  const ServeCounts& c = t.counts;
  auto counter = MetricType::Counter;
  out.push_back(single("ackd_connections_accepted_total",
                       "Connections accepted by the workers (and fork mode's dispatchers)", counter,
                       static_cast<double>(c.connections)));
  out.push_back(single("ackd_connections_open", "Client connections open now", MetricType::Gauge,
                       static_cast<double>(t.open_connections)));
  out.push_back(single("ackd_messages_total", "Messages received, over every protocol", counter,
                       static_cast<double>(c.messages)));
  out.push_back(single("ackd_replies_total",
                       "Replies of the services sent (acks); ERR answers count as errors", counter,
                       static_cast<double>(c.replies)));
  out.push_back(single("ackd_errors_total",
                       "Protocol errors and messages not stored, answered with ERR", counter,
                       static_cast<double>(c.errors)));
  out.push_back(single("ackd_udp_replies_dropped_total",
                       "UDP replies not sent: over the amplification bound of their source",
                       counter, static_cast<double>(c.udp_dropped)));
}

void add_roles(std::vector<MetricFamily>& out, const Scoreboard& scoreboard) {
  MetricFamily running = family("ackd_processes", "Processes running, by role", MetricType::Gauge);
  MetricFamily restarts = family("ackd_process_restarts_total",
                                 "Processes replaced after a crash, by role", MetricType::Counter);
  MetricFamily throttled = family(
      "ackd_process_respawns_throttled_total",
      "Respawns delayed because the process died young (crash loop), by role", MetricType::Counter);
  MetricFamily hung =
      family("ackd_processes_hung_killed_total",
             "Processes killed for making no progress within worker_timeout, by role",
             MetricType::Counter);
  for (const RoleTotals& role : role_totals(scoreboard)) {
    std::vector<ClientMetric::Label> label = {{"role", to_string(role.role)}};
    running.metric.push_back(value_of(MetricType::Gauge, static_cast<double>(role.running), label));
    restarts.metric.push_back(
        value_of(MetricType::Counter, static_cast<double>(role.restarts), label));
    throttled.metric.push_back(
        value_of(MetricType::Counter, static_cast<double>(role.throttled), label));
    hung.metric.push_back(
        value_of(MetricType::Counter, static_cast<double>(role.hung_killed), label));
  }
  out.insert(out.end(), {running, restarts, throttled, hung});
}

MetricFamily outcomes(const char* name, const char* help, const std::atomic<uint64_t>& ok,
                      const std::atomic<uint64_t>& failed) {
  MetricFamily f = family(name, help, MetricType::Counter);
  f.metric.push_back(value_of(MetricType::Counter,
                              static_cast<double>(ok.load(std::memory_order_relaxed)),
                              {{"outcome", "ok"}}));
  f.metric.push_back(value_of(MetricType::Counter,
                              static_cast<double>(failed.load(std::memory_order_relaxed)),
                              {{"outcome", "failed"}}));
  return f;
}

void add_master(std::vector<MetricFamily>& out, const Scoreboard& scoreboard,
                const MasterInfo& master) {
  MetricFamily build =
      family("ackd_build_info", "ackd's version, as a label (the value is 1)", MetricType::Gauge);
  build.metric.push_back(value_of(MetricType::Gauge, 1, {{"version", master.version}}));
  out.push_back(build);
  out.push_back(single("ackd_start_time_seconds",
                       "When the running master started, in seconds since the epoch",
                       MetricType::Gauge, static_cast<double>(master.started)));
  out.push_back(single("ackd_config_generation",
                       "The master's configuration generation: 1 at its start, one more per reload",
                       MetricType::Gauge, static_cast<double>(master.generation)));
  const MasterCounters& c = scoreboard.counters();
  out.push_back(outcomes("ackd_reloads_total", "Configuration reloads, by outcome", c.reloads_ok,
                         c.reloads_failed));
  out.push_back(outcomes("ackd_upgrades_total", "Binary upgrades (USR2), by outcome", c.upgrades_ok,
                         c.upgrades_failed));
}

}  // namespace

std::vector<MetricFamily> collect_metrics(const Scoreboard& scoreboard, const MasterInfo& master,
                                          const std::optional<SpoolUsage>& spool) {
  std::vector<MetricFamily> families;
  add_serving(families, serve_totals(scoreboard));
  add_roles(families, scoreboard);
  add_master(families, scoreboard, master);
  if (spool) {
    families.push_back(single("ackd_spool_bytes", "Bytes in the spool's segment files",
                              MetricType::Gauge, static_cast<double>(spool->bytes)));
    families.push_back(single("ackd_spool_segments", "Segment files in the spool directory",
                              MetricType::Gauge, static_cast<double>(spool->segments)));
  }
  return families;
}

std::string render_text(const std::vector<MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace ackd

#include "daemon/metrics/exporter/exposition.h"

#include <prometheus/text_serializer.h>

#include <iterator>
#include <limits>
#include <span>

#include "daemon/replicate/replication_status.h"
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
  out.push_back(single("ackd_refused_total",
                       "Connections and messages refused, of every kind (by listener and kind: "
                       "ackd_listener_refused_total)",
                       counter, static_cast<double>(c.refused)));
  out.push_back(single("ackd_udp_replies_dropped_total",
                       "UDP replies not sent: over the amplification bound of their source",
                       counter, static_cast<double>(c.udp_dropped)));
}

// A Prometheus histogram from buckets counted one by one (not cumulative),
// the last one past every bound.
ClientMetric histogram(std::span<const double> bounds, std::span<const uint64_t> buckets,
                       uint64_t sum_ns, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < bounds.size(); ++b) {
    cumulative += buckets[b];
    metric.histogram.bucket.push_back({cumulative, bounds[b]});
  }
  cumulative += buckets[bounds.size()];
  metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = static_cast<double>(sum_ns) / 1e9;
  return metric;
}

// Per listener, by name: every listener the daemon has served since it
// started (a listener removed by a reload keeps its last values).
void add_listeners(std::vector<MetricFamily>& out, const std::vector<ListenerTotals>& listeners) {
  auto counter = MetricType::Counter;
  MetricFamily connections =
      family("ackd_listener_connections_accepted_total",
             "Connections accepted, by listener (stream listeners)", counter);
  MetricFamily messages =
      family("ackd_listener_messages_total", "Messages received, by listener", counter);
  MetricFamily replies = family("ackd_listener_replies_total",
                                "Replies of the listener's service sent, by listener", counter);
  MetricFamily errors =
      family("ackd_listener_errors_total",
             "ERR answers and connections closed for an error (a stage failed, a protocol error), "
             "by listener",
             counter);
  MetricFamily received = family("ackd_listener_received_bytes_total",
                                 "Bytes received from clients, by listener", counter);
  MetricFamily sent =
      family("ackd_listener_sent_bytes_total", "Bytes sent to clients, by listener", counter);
  MetricFamily refused =
      family("ackd_listener_refused_total",
             "Connections and messages refused, by listener and reason: deny, allow, "
             "connections_per_source, message_rate, proxy_untrusted, proxy_header, tls_handshake, "
             "tls_client",
             counter);
  MetricFamily latency =
      family("ackd_reply_latency_seconds",
             "Time from the loop turn that read a message's last byte to its reply's write (held "
             "replies: to the commit that released them), by listener",
             MetricType::Histogram);
  for (const auto& [name, c] : listeners) {
    std::vector<ClientMetric::Label> label = {{"listener", name}};
    auto add = [&](MetricFamily& f, uint64_t value) {
      f.metric.push_back(value_of(counter, static_cast<double>(value), label));
    };
    add(connections, c.connections);
    add(messages, c.messages);
    add(replies, c.replies);
    add(errors, c.errors);
    add(received, c.received_bytes);
    add(sent, c.sent_bytes);
    for (size_t r = 0; r < kRefusalKinds; ++r) {
      std::vector<ClientMetric::Label> labels = {{"listener", name},
                                                 {"reason", to_string(static_cast<Refusal>(r))}};
      refused.metric.push_back(value_of(counter, static_cast<double>(c.refused[r]), labels));
    }
    latency.metric.push_back(histogram(kLatencyBounds, c.latency, c.latency_sum_ns, label));
  }
  out.insert(out.end(), {connections, messages, replies, errors, received, sent, refused, latency});
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

void add_spool(std::vector<MetricFamily>& out, const SpoolUsage& usage,
               const std::optional<SyncTotals>& syncs) {
  out.push_back(single("ackd_spool_bytes", "Bytes in the spool's segment files", MetricType::Gauge,
                       static_cast<double>(usage.bytes)));
  out.push_back(single("ackd_spool_segments", "Segment files in the spool directory",
                       MetricType::Gauge, static_cast<double>(usage.segments)));
  if (!syncs) return;
  MetricFamily f = family("ackd_spool_fsync_seconds",
                          "Time each spool sync took (ack_after = fsync: the fdatasync of a group "
                          "commit, the fsync of the directory for a new segment)",
                          MetricType::Histogram);
  f.metric.push_back(histogram(kSyncBounds, syncs->buckets, syncs->sum_ns));
  out.push_back(f);
}

void add_replication(std::vector<MetricFamily>& out, const ReplicationSummary& replication) {
  const ReplicationTotals& now = replication.now;
  auto counter = MetricType::Counter, gauge = MetricType::Gauge;
  out.push_back(single("ackd_replication_in_flight",
                       "Records published to the stream, not yet stored or failed", gauge,
                       static_cast<double>(now.in_flight)));
  out.push_back(single("ackd_replication_stored_total",
                       "Records the stream acknowledged as stored (duplicates included)", counter,
                       static_cast<double>(replication.stored)));
  out.push_back(single("ackd_replication_failed_total",
                       "Records whose publication failed (timed out, refused, no connection)",
                       counter, static_cast<double>(replication.failed)));
  out.push_back(single("ackd_replication_forward_lag",
                       "mode = forward: records in the spool not yet shipped to the stream", gauge,
                       static_cast<double>(now.forward_lag)));
  MetricFamily links =
      family("ackd_replication_connections",
             "Processes that replicate, by the state of their connection to NATS", gauge);
  for (LinkState state :
       {LinkState::kConnecting, LinkState::kConnected, LinkState::kDisconnected}) {
    links.metric.push_back(value_of(gauge,
                                    static_cast<double>(now.links[static_cast<size_t>(state)]),
                                    {{"state", to_string(state)}}));
  }
  out.push_back(links);
}

}  // namespace

std::vector<MetricFamily> collect_metrics(const Scoreboard& scoreboard, const MasterInfo& master,
                                          const std::optional<SpoolUsage>& spool) {
  std::vector<MetricFamily> families;
  ServeTotals totals = serve_totals(scoreboard);
  add_serving(families, totals);
  add_listeners(families, listener_totals(scoreboard));
  add_roles(families, scoreboard);
  add_master(families, scoreboard, master);
  if (spool) {
    add_spool(families, *spool,
              master.spool_fsync ? std::optional(sync_totals(scoreboard)) : std::nullopt);
  }
  if (master.replication) add_replication(families, replication_summary(scoreboard, totals.counts));
  return families;
}

std::string render_text(const std::vector<MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace ackd

// Exposition: what GET /metrics answers, read from the scoreboard (and the
// spool directory) at each scrape, never from a worker, through the
// functions `ackctl status` reads them with (scoreboard_totals.h). prometheus-cpp's
// core models the families and writes Prometheus text format 0.0.4;
// openmetrics.h writes them as OpenMetrics for the clients that prefer it.
// Names follow Prometheus's conventions: the ackd_ prefix, base units,
// _total for counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "daemon/record/spool_usage.h"
#include "daemon/scoreboard.h"

namespace ackd {

inline constexpr const char* kTextFormat = "text/plain; version=0.0.4; charset=utf-8";

// What the exporter knows of its master and its config: given at its start.
struct MasterInfo {
  std::string version;
  int64_t started = 0;  // unix seconds
  uint32_t generation = 0;
  bool spool_fsync = false;  // ack_after = "fsync": the spool's sync histogram
  bool replication = false;  // [replication]: its gauges and counters
};

std::vector<prometheus::MetricFamily> collect_metrics(const Scoreboard& scoreboard,
                                                      const MasterInfo& master,
                                                      const std::optional<SpoolUsage>& spool);

std::string render_text(const std::vector<prometheus::MetricFamily>& families);

}  // namespace ackd

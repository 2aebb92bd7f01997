// The [metrics] section: where the Prometheus exporter serves GET /metrics,
// and who may scrape it. No section, no exporter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "common/cidr.h"
#include "common/endpoint.h"
#include "daemon/config/config_reader.h"

namespace ackd {

struct MetricsConfig {
  std::optional<Endpoint> address;  // tcp; none: no [metrics], no exporter
  CidrList allow;                   // who may scrape; empty: anyone

  bool enabled() const { return address.has_value(); }
  bool operator==(const MetricsConfig& other) const;
};

// Reads the [metrics] table (its problems go to `reader`).
void read_metrics(ConfigReader& reader, const toml::table& table, MetricsConfig& metrics);

}  // namespace ackd

#include "daemon/config/metrics_config.h"

namespace ackd {
namespace {

constexpr const char* kMetricsKeys[] = {"address", "allow"};

void read_allow(ConfigReader& reader, const toml::node& node, CidrList& allow) {
  const std::string key = "metrics.allow";
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    reader.problem(node.source(), key, "expected a list of address ranges, like [\"10.0.0.0/8\"]");
    return;
  }
  if (array->empty()) {
    reader.problem(node.source(), key, "empty: nobody could scrape (remove it to allow anyone)");
    return;
  }
  std::vector<Cidr> entries;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    std::string element_key = key + "[" + std::to_string(i) + "]";
    std::optional<std::string> text = element.value<std::string>();
    if (!element.is_string() || !text) {
      reader.problem(element.source(), element_key, "expected a string like \"10.0.0.0/8\"");
      continue;
    }
    try {
      entries.push_back(parse_cidr(*text));
    } catch (const std::invalid_argument& e) {
      reader.problem(element.source(), element_key, e.what());
    }
  }
  allow = CidrList(std::move(entries));
}

}  // namespace

bool MetricsConfig::operator==(const MetricsConfig& other) const {
  bool same_address =
      address.has_value() == other.address.has_value() &&
      (!address || (address->host == other.address->host && address->port == other.address->port));
  return same_address && allow == other.allow;
}

void read_metrics(ConfigReader& reader, const toml::table& table, MetricsConfig& metrics) {
  const std::string p = "metrics.";
  reader.reject_unknown_keys(table, p, kMetricsKeys);
  if (auto v = reader.get_parsed<Endpoint>(table, p, "address", "\"host:port\"", parse_endpoint)) {
    metrics.address = *v;
  } else if (!table.get("address")) {
    reader.problem(table.source(), p + "address",
                   "missing (where to serve GET /metrics, like \"127.0.0.1:9751\")");
  }
  if (const toml::node* allow = table.get("allow")) read_allow(reader, *allow, metrics.allow);
}

}  // namespace ackd

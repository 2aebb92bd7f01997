#include "daemon/config/access_keys.h"

#include <optional>
#include <stdexcept>
#include <vector>

#include "common/cidr.h"

namespace ackd {
namespace {

constexpr int64_t kMaxRate = 1000000;  // messages per second: beyond, a bucket means nothing

// A TOML array of CIDR strings; every bad entry is a problem of its own.
std::optional<CidrList> read_cidrs(ConfigReader& reader, const toml::node& node,
                                   const std::string& key) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    reader.problem(node.source(), key,
                   "expected a list of address ranges like [\"10.0.0.0/8\", \"::1/128\"]");
    return std::nullopt;
  }
  if (array->empty()) {
    reader.problem(node.source(), key, "empty (remove the key to leave it unset)");
    return std::nullopt;
  }
  std::vector<Cidr> entries;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& entry = (*array)[i];
    std::string entry_key = key + "[" + std::to_string(i) + "]";
    std::optional<std::string> text = entry.value<std::string>();
    if (!entry.is_string() || !text) {
      reader.problem(entry.source(), entry_key, "expected a string like \"10.0.0.0/8\"");
      ok = false;
      continue;
    }
    try {
      entries.push_back(parse_cidr(*text));
    } catch (const std::invalid_argument& e) {
      reader.problem(entry.source(), entry_key, e.what());
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return CidrList(std::move(entries));
}

// Unix listeners have no source address; datagrams no connections.
void reject_misplaced(ConfigReader& reader, const toml::table& table, const std::string& p,
                      Protocol protocol) {
  auto misplaced = [&](const char* key, const char* why) {
    if (const toml::node* node = table.get(key)) reader.problem(node->source(), p + key, why);
  };
  if (is_unix(protocol)) {
    constexpr const char* kWhy =
        "unix listeners have no source address (the socket file's mode, owner and group say "
        "who may connect)";
    for (const char* key : {"allow", "deny", "max_connections_per_source",
                            "max_messages_per_second_per_source", "message_burst_per_source"}) {
      misplaced(key, kWhy);
    }
  } else if (!is_stream(protocol)) {
    misplaced("max_connections_per_source", "only tcp listeners have connections");
  }
}

// Behind a PROXY header the socket's peer is the proxy: the lists and the
// message rate apply to the client it reports (ProxyStream), but the
// connections are counted at accept, where only the proxy is known, so
// that limit is refused there rather than silently applied to the proxy.
void reject_behind_proxy(ConfigReader& reader, const toml::table& table, const std::string& p,
                         const ListenerConfig& listener) {
  if (listener.proxy_protocol == ProxyProtocol::kOff) return;
  if (const toml::node* node = table.get("max_connections_per_source")) {
    reader.problem(node->source(), p + "max_connections_per_source",
                   "not applied behind a PROXY header (it would count the proxy's connections, "
                   "not the client's): limit them at the proxy");
  }
}

}  // namespace

void read_access_keys(ConfigReader& reader, const toml::table& table, const std::string& p,
                      ListenerConfig& listener) {
  reject_misplaced(reader, table, p, listener.protocol);
  if (is_unix(listener.protocol)) return;
  reject_behind_proxy(reader, table, p, listener);
  if (const toml::node* node = table.get("allow")) {
    if (auto list = read_cidrs(reader, *node, p + "allow")) listener.access.allow = *list;
  }
  if (const toml::node* node = table.get("deny")) {
    if (auto list = read_cidrs(reader, *node, p + "deny")) listener.access.deny = *list;
  }
  SourceLimits& limits = listener.source_limits;
  if (is_stream(listener.protocol)) {
    if (auto v = reader.get_integer(table, p, "max_connections_per_source", 0, 1000000)) {
      limits.max_connections = static_cast<unsigned>(*v);
    }
  }
  if (auto v = reader.get_integer(table, p, "max_messages_per_second_per_source", 0, kMaxRate)) {
    limits.messages_per_second = static_cast<uint32_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "message_burst_per_source", 1, kMaxRate)) {
    limits.message_burst = static_cast<uint32_t>(*v);
    if (limits.messages_per_second == 0) {
      reader.problem(table.get("message_burst_per_source")->source(),
                     p + "message_burst_per_source",
                     "has no effect without max_messages_per_second_per_source");
    }
  }
}

}  // namespace ackd

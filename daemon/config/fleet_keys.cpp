#include "daemon/config/fleet_keys.h"

#include <optional>
#include <stdexcept>
#include <vector>

#include "common/cidr.h"
#include "daemon/config/cidr_list_key.h"

namespace ackd {
namespace {

constexpr const char* kProxyExpected = "\"off\", \"v1\", \"v2\" or \"any\"";

// Datagram listeners have neither key.
bool reject_on_datagrams(ConfigReader& reader, const toml::table& table, const std::string& p,
                         const ListenerConfig& listener) {
  if (is_stream(listener.protocol)) return false;
  if (const toml::node* node = table.get("proxy_protocol")) {
    reader.problem(node->source(), p + "proxy_protocol",
                   "only tcp and unix listeners take a PROXY header");
  }
  if (const toml::node* node = table.get("trusted_proxies")) {
    reader.problem(node->source(), p + "trusted_proxies",
                   "only tcp listeners with proxy_protocol have trusted proxies");
  }
  return true;
}

}  // namespace

void read_proxy_keys(ConfigReader& reader, const toml::table& table, const std::string& p,
                     ListenerConfig& listener) {
  if (reject_on_datagrams(reader, table, p, listener)) return;
  std::optional<ProxyProtocol> value = reader.get_parsed<ProxyProtocol>(
      table, p, "proxy_protocol", kProxyExpected, parse_proxy_protocol);
  if (value) listener.proxy_protocol = *value;
  const toml::node* trusted = table.get("trusted_proxies");
  if (trusted == nullptr) return;
  std::string key = p + "trusted_proxies";
  if (is_unix(listener.protocol)) {
    reader.problem(trusted->source(), key,
                   "unix listeners trust whoever may connect: the socket file's mode, owner "
                   "and group say who");
  } else if (std::optional<CidrList> list = read_cidr_list(
                 reader, *trusted, key, "empty: no proxy would be believed (list at least one)")) {
    listener.trusted_proxies = std::move(*list);
  }
}

void read_drain_key(ConfigReader& reader, const toml::table& table, const std::string& p,
                    DaemonConfig& daemon) {
  if (auto v = reader.get_duration(table, p, "drain_before_stop")) daemon.drain_before_stop = *v;
}

}  // namespace ackd

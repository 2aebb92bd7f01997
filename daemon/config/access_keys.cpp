#include "daemon/config/access_keys.h"

#include <optional>
#include <stdexcept>
#include <vector>

#include "common/cidr.h"
#include "daemon/config/cidr_list_key.h"

namespace ackd {
namespace {

constexpr const char* kEmptyList = "empty (remove the key to leave it unset)";
constexpr int64_t kMaxRate = 1000000;  // messages per second: beyond, a bucket means nothing

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

}  // namespace

void read_access_keys(ConfigReader& reader, const toml::table& table, const std::string& p,
                      ListenerConfig& listener) {
  reject_misplaced(reader, table, p, listener.protocol);
  if (is_unix(listener.protocol)) return;
  if (const toml::node* node = table.get("allow")) {
    if (auto list = read_cidr_list(reader, *node, p + "allow", kEmptyList))
      listener.access.allow = *list;
  }
  if (const toml::node* node = table.get("deny")) {
    if (auto list = read_cidr_list(reader, *node, p + "deny", kEmptyList))
      listener.access.deny = *list;
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

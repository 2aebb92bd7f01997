// The numbers of `status json` that ackctl top shows, read out of the
// daemon's JSON. Not a JSON parser: ackd writes that JSON itself, with
// plain keys and no nesting beyond objects and arrays of objects; this
// finds an object by its key and a number or a plain string in it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ackd::client {

struct RoleFields {
  std::string role;
  uint64_t running = 0, restarts = 0, throttled = 0, hung_killed = 0;
};

struct AuxFields {
  std::string role;
  pid_t pid = 0;
  std::string state;
};

struct StatusFields {
  pid_t master_pid = 0;
  uint64_t uptime_ms = 0;
  uint64_t generation = 0;
  std::string mode;
  uint64_t workers = 0;
  // Since the daemon started.
  uint64_t connections = 0, messages = 0, replies = 0, errors = 0, udp_dropped = 0;
  uint64_t open_connections = 0;  // now
  std::vector<RoleFields> roles;
  std::vector<AuxFields> aux;
  uint64_t reloads_ok = 0, reloads_failed = 0, upgrades_ok = 0, upgrades_failed = 0;
  uint64_t refused = 0;
  // Refusals by reason, over every listener, in the daemon's order.
  std::vector<std::pair<std::string, uint64_t>> refused_by_reason;
  std::optional<uint64_t> fsyncs;  // with ack_after = "fsync"
  // With [replication].
  std::optional<uint64_t> replicated, replication_failed, replication_in_flight;
};

// Throws std::runtime_error if `json` is not ackd's status.
StatusFields parse_status_fields(std::string_view json);

// The object or array after "key": in `json` (balanced, strings skipped);
// empty if the key is not there.
std::string_view json_value_of(std::string_view json, std::string_view key);
// The objects of an array value.
std::vector<std::string_view> json_array_objects(std::string_view array);
std::optional<uint64_t> json_uint(std::string_view object, std::string_view key);
// The members of a flat object whose values are unsigned integers, in order.
std::vector<std::pair<std::string, uint64_t>> json_uint_members(std::string_view object);
std::string json_plain_string(std::string_view object, std::string_view key);

}  // namespace ackd::client

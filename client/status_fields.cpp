#include "client/status_fields.h"

#include <algorithm>
#include <stdexcept>

namespace ackd::client {
namespace {

// Where the value of "key": starts, or npos.
size_t value_start(std::string_view json, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = json.find(needle);
  return at == std::string_view::npos ? at : at + needle.size();
}

// The end of the object or array opening at `open` (one past its bracket).
size_t balanced_end(std::string_view json, size_t open) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = open; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

uint64_t number(std::string_view object, std::string_view key) {
  return json_uint(object, key).value_or(0);
}

// Refusals of every listener, added up by reason.
std::vector<std::pair<std::string, uint64_t>> refusals_by_reason(std::string_view json) {
  std::vector<std::pair<std::string, uint64_t>> sums;
  for (std::string_view listener : json_array_objects(json_value_of(json, "listener_totals"))) {
    for (const std::pair<std::string, uint64_t>& member :
         json_uint_members(json_value_of(listener, "refused"))) {
      auto same = [&](const auto& sum) { return sum.first == member.first; };
      auto it = std::find_if(sums.begin(), sums.end(), same);
      if (it == sums.end()) {
        sums.push_back(member);
      } else {
        it->second += member.second;
      }
    }
  }
  return sums;
}

void parse_durability(std::string_view json, StatusFields& s) {
  std::string_view fsync = json_value_of(json_value_of(json, "spool"), "fsync");
  if (!fsync.empty()) s.fsyncs = number(fsync, "count");
  std::string_view replication = json_value_of(json, "replication_totals");
  if (replication.empty()) return;
  s.replicated = number(replication, "stored");
  s.replication_failed = number(replication, "failed");
  s.replication_in_flight = number(replication, "in_flight");
}

}  // namespace

std::string_view json_value_of(std::string_view json, std::string_view key) {
  size_t start = value_start(json, key);
  if (start == std::string_view::npos || start >= json.size()) return {};
  if (json[start] != '{' && json[start] != '[') return {};
  size_t end = balanced_end(json, start);
  return end == std::string_view::npos ? std::string_view() : json.substr(start, end - start);
}

std::vector<std::string_view> json_array_objects(std::string_view array) {
  std::vector<std::string_view> objects;
  for (size_t at = array.find('{'); at != std::string_view::npos;) {
    size_t end = balanced_end(array, at);
    if (end == std::string_view::npos) break;
    objects.push_back(array.substr(at, end - at));
    at = array.find('{', end);
  }
  return objects;
}

std::optional<uint64_t> json_uint(std::string_view object, std::string_view key) {
  size_t at = value_start(object, key);
  if (at == std::string_view::npos) return std::nullopt;
  uint64_t value = 0;
  size_t digits = 0;
  for (; at < object.size() && object[at] >= '0' && object[at] <= '9'; ++at, ++digits) {
    value = value * 10 + static_cast<uint64_t>(object[at] - '0');
  }
  if (digits == 0) return std::nullopt;
  return value;
}

std::vector<std::pair<std::string, uint64_t>> json_uint_members(std::string_view object) {
  std::vector<std::pair<std::string, uint64_t>> members;
  for (size_t at = object.find('"'); at != std::string_view::npos;) {
    size_t end = object.find('"', at + 1);
    if (end == std::string_view::npos) break;
    std::string key(object.substr(at + 1, end - at - 1));
    if (std::optional<uint64_t> value = json_uint(object.substr(at), key)) {
      members.emplace_back(key, *value);
    }
    at = object.find('"', end + 1);
  }
  return members;
}

std::string json_plain_string(std::string_view object, std::string_view key) {
  size_t at = value_start(object, key);
  if (at == std::string_view::npos || at >= object.size() || object[at] != '"') return "";
  size_t end = object.find('"', at + 1);
  return end == std::string_view::npos ? "" : std::string(object.substr(at + 1, end - at - 1));
}

StatusFields parse_status_fields(std::string_view json) {
  std::string_view totals = json_value_of(json, "totals");
  if (!json_uint(json, "master_pid") || totals.empty()) {
    throw std::runtime_error("the daemon's status has no master_pid or totals");
  }
  StatusFields s;
  s.master_pid = static_cast<pid_t>(number(json, "master_pid"));
  s.uptime_ms = number(json, "uptime_ms");
  s.generation = number(json, "generation");  // the master's comes first
  s.mode = json_plain_string(json, "mode");
  s.workers = number(totals, "workers");
  s.open_connections = number(totals, "open_connections");
  s.connections = number(totals, "connections");
  s.messages = number(totals, "messages");
  s.replies = number(totals, "replies");
  s.errors = number(totals, "errors");
  s.udp_dropped = number(totals, "dropped");
  for (std::string_view o : json_array_objects(json_value_of(json, "roles"))) {
    s.roles.push_back({json_plain_string(o, "role"), number(o, "running"), number(o, "restarts"),
                       number(o, "throttled"), number(o, "hung_killed")});
  }
  for (std::string_view o : json_array_objects(json_value_of(json, "aux"))) {
    s.aux.push_back({json_plain_string(o, "role"), static_cast<pid_t>(number(o, "pid")),
                     json_plain_string(o, "state")});
  }
  std::string_view reloads = json_value_of(json, "reloads");
  std::string_view upgrades = json_value_of(json, "upgrades");
  s.reloads_ok = number(reloads, "ok");
  s.reloads_failed = number(reloads, "failed");
  s.upgrades_ok = number(upgrades, "ok");
  s.upgrades_failed = number(upgrades, "failed");
  s.refused = number(totals, "refused");
  s.refused_by_reason = refusals_by_reason(json);
  parse_durability(json, s);
  return s;
}

}  // namespace ackd::client

#include "daemon/config/config.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/socket_address.h"
#include "daemon/config/access_keys.h"
#include "daemon/config/config_reader.h"
#include "daemon/config/fleet_keys.h"
#include "daemon/config/tls_keys.h"
#include "daemon/service/service_registry.h"

namespace ackd {
namespace {

constexpr const char* kDaemonKeys[] = {"mode",
                                       "workers",
                                       "user",
                                       "group",
                                       "shutdown_timeout",
                                       "log_messages",
                                       "max_children",
                                       "dispatchers",
                                       "log_level",
                                       "log_file",
                                       "log_target",
                                       "worker_timeout",
                                       "max_requests",
                                       "max_requests_jitter",
                                       "max_connections",
                                       "idle_timeout",
                                       "message_timeout",
                                       "pidfile",
                                       "control_socket",
                                       "udp_reply_burst",
                                       "drain_before_stop"};
constexpr const char* kListenerKeys[] = {
    "name",    "protocol",        "address",      "path",           "mode",
    "owner",   "group",           "service",      "max_message",    "messages_per_connection",
    "backlog", "lingering_close", "defer_accept", "proxy_protocol", "trusted_proxies",
    "tls",
};
constexpr const char* kRootKeys[] = {"daemon", "listener", "spool", "replication", "metrics"};
constexpr const char* kSpoolKeys[] = {"path", "ack_after", "segment_size", "max_total_size"};
constexpr size_t kMaxMessageLimit = size_t{16} * 1024 * 1024;
constexpr Duration kMinWorkerTimeout = std::chrono::seconds(1);
constexpr const char* kProtocolExpected = "\"tcp\", \"udp\", \"unix\" or \"unixgram\"";
constexpr const char* kAckAfterExpected = "\"receive\", \"write\" or \"fsync\"";
constexpr const char* kLogLevelExpected = "\"trace\", \"debug\", \"info\", \"warn\" or \"error\"";

Protocol parse_protocol(const std::string& text) {
  if (text == "tcp") return Protocol::kTcp;
  if (text == "udp") return Protocol::kUdp;
  if (text == "unix") return Protocol::kUnix;
  if (text == "unixgram") return Protocol::kUnixgram;
  throw std::invalid_argument("unknown protocol \"" + text +
                              "\" (expected tcp, udp, unix or unixgram)");
}

LingeringClose parse_lingering_close(const std::string& text) {
  if (text == "auto") return LingeringClose::kAuto;
  if (text == "always") return LingeringClose::kAlways;
  throw std::invalid_argument("unknown lingering_close \"" + text + "\" (expected auto or always)");
}

ProcessMode parse_mode(const std::string& text) {
  if (text == "prefork") return ProcessMode::kPrefork;
  if (text == "fork") return ProcessMode::kFork;
  throw std::invalid_argument("unknown mode \"" + text + "\" (expected prefork or fork)");
}

mode_t parse_file_mode(const std::string& text) {
  bool octal = !text.empty() && text.size() <= 4 &&
               std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!octal) throw std::invalid_argument("\"" + text + "\" is not an octal mode like \"0660\"");
  return static_cast<mode_t>(std::stoul(text, nullptr, 8));
}

std::string parse_log_level(const std::string& text) {
  static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
  if (!levels.contains(text)) {
    throw std::invalid_argument("unknown log level \"" + text +
                                "\" (expected trace, debug, info, warn or error)");
  }
  return text;
}

std::string check_listener_name(const std::string& text) {
  // The name doubles as systemd's FileDescriptorName=: printable, no colon.
  bool ok =
      !text.empty() && text.size() <= 255 && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  if (!ok) throw std::invalid_argument("\"" + text + "\" is not a name of letters, digits, - _ .");
  return text;
}

std::string check_service(const std::string& text) {
  if (find_service(text) == nullptr) {
    throw std::invalid_argument("unknown service \"" + text + "\" (expected " +
                                service_names_text() + ")");
  }
  return text;
}

// The keys every listener may have: its own, and those of some service
// (which one takes them is the service registry's to say).
const std::vector<const char*>& listener_keys() {
  static const std::vector<const char*> keys = [] {
    std::vector<const char*> all(std::begin(kListenerKeys), std::end(kListenerKeys));
    all.insert(all.end(), std::begin(kAccessKeys), std::end(kAccessKeys));
    for (const ServiceEntry& service : services()) {
      for (const ServiceKey& key : service.keys) all.push_back(key.name);
    }
    return all;
  }();
  return keys;
}

std::string parse_log_target(const std::string& text) {
  if (text != "auto" && text != "stderr" && text != "journal") {
    throw std::invalid_argument("unknown log target \"" + text +
                                "\" (expected auto, stderr or journal)");
  }
  return text;
}

std::string check_socket_path(const std::string& text) {
  if (!text.empty()) SocketAddress::unix_path(text);  // throws if it does not fit
  return text;
}

// TCP_DEFER_ACCEPT takes whole seconds; beyond a minute a silent client
// would only hold a half-open slot longer.
Duration parse_defer_accept(const std::string& text) {
  Duration value = parse_duration(text);
  if (value.count() % 1000 != 0 || value > std::chrono::minutes(1)) {
    throw std::invalid_argument("must be whole seconds from \"0s\" to \"1m\"");
  }
  return value;
}

// A duration that must be positive (a zero timeout would close everything).
std::optional<Duration> get_positive_duration(ConfigReader& reader, const toml::table& table,
                                              const std::string& p, const char* key) {
  auto value = reader.get_duration(table, p, key);
  if (value && value->count() <= 0) {
    reader.problem(table.get(key)->source(), p + key, "must be longer than 0");
    return std::nullopt;
  }
  return value;
}

void read_daemon_limits(ConfigReader& reader, const toml::table& table, DaemonConfig& daemon) {
  const std::string p = "daemon.";
  if (auto v = get_positive_duration(reader, table, p, "worker_timeout")) {
    // A worker reports progress once per loop turn, and a quiet one turns
    // every 250ms (worker_loop.cpp): less than this kills healthy workers.
    if (*v < kMinWorkerTimeout) {
      reader.problem(table.get("worker_timeout")->source(), p + "worker_timeout",
                     "must be at least 1s (an idle worker reports progress every 250ms)");
    } else {
      daemon.worker_timeout = *v;
    }
  }
  if (auto v = get_positive_duration(reader, table, p, "idle_timeout")) daemon.idle_timeout = *v;
  if (auto v = get_positive_duration(reader, table, p, "message_timeout")) {
    daemon.message_timeout = *v;
  }
  if (auto v = reader.get_integer(table, p, "max_requests", 0, INT64_MAX)) {
    daemon.max_requests = static_cast<uint64_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "max_requests_jitter", 0, INT64_MAX)) {
    daemon.max_requests_jitter = static_cast<uint64_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "max_connections", 1, 1000000)) {
    daemon.max_connections = static_cast<unsigned>(*v);
  }
  if (auto v = reader.get_size(table, p, "udp_reply_burst", 0, 1 << 30))
    daemon.udp_reply_burst = *v;
}

AckAfter parse_ack_after(const std::string& text) {
  if (text == "receive") return AckAfter::kReceive;
  if (text == "write") return AckAfter::kWrite;
  if (text == "fsync") return AckAfter::kFsync;
  throw std::invalid_argument("unknown ack_after \"" + text +
                              "\" (expected receive, write or fsync)");
}

void read_spool(ConfigReader& reader, const toml::table& table, SpoolConfig& spool) {
  const std::string p = "spool.";
  reader.reject_unknown_keys(table, p, kSpoolKeys);
  if (auto v = reader.get_string(table, p, "path", "a path")) {
    if (v->empty()) {
      // An empty path is no spool: ack_after = "fsync" would ack what is stored nowhere.
      reader.problem(table.get("path")->source(), p + "path",
                     "must not be empty (to run without a spool, remove the [spool] table)");
    }
    spool.path = *v;
  }
  if (!table.get("path"))
    reader.problem(table.source(), p + "path", "missing (the spool directory)");
  if (auto v =
          reader.get_parsed<AckAfter>(table, p, "ack_after", kAckAfterExpected, parse_ack_after)) {
    spool.ack_after = *v;
  }
  if (auto v = reader.get_size(table, p, "segment_size", 4096)) spool.segment_size = *v;
  if (auto v = reader.get_size(table, p, "max_total_size", 0)) spool.max_total_size = *v;
}

void read_daemon(ConfigReader& reader, const toml::table& table, DaemonConfig& daemon) {
  const std::string p = "daemon.";
  reader.reject_unknown_keys(table, p, kDaemonKeys);
  if (auto v =
          reader.get_parsed<ProcessMode>(table, p, "mode", "\"prefork\" or \"fork\"", parse_mode))
    daemon.mode = *v;
  if (auto v = reader.get_process_count(table, p, "workers")) daemon.workers = *v;
  if (auto v = reader.get_process_count(table, p, "dispatchers")) daemon.dispatchers = *v;
  if (auto v = reader.get_string(table, p, "user", "a user name")) daemon.user = *v;
  if (auto v = reader.get_string(table, p, "group", "a group name")) daemon.group = *v;
  if (auto v = reader.get_duration(table, p, "shutdown_timeout")) {
    daemon.shutdown_timeout = *v;
  }
  if (auto v = reader.get_bool(table, p, "log_messages")) daemon.log_messages = *v;
  if (auto v = reader.get_integer(table, p, "max_children", 1, 100000)) {
    daemon.max_children = static_cast<unsigned>(*v);
  }
  if (auto v = reader.get_parsed<std::string>(table, p, "log_level", kLogLevelExpected,
                                              parse_log_level)) {
    daemon.log_level = *v;
  }
  read_daemon_limits(reader, table, daemon);
  if (auto v = reader.get_string(table, p, "log_file", "a path")) daemon.log_file = *v;
  if (auto v = reader.get_parsed<std::string>(
          table, p, "log_target", "\"auto\", \"stderr\" or \"journal\"", parse_log_target)) {
    daemon.log_target = *v;
  }
  if (auto v = reader.get_string(table, p, "pidfile", "a path")) daemon.pidfile = *v;
  if (auto v =
          reader.get_parsed<std::string>(table, p, "control_socket", "a path", check_socket_path)) {
    daemon.control_socket = *v;
  }
  read_drain_key(reader, table, p, daemon);
}

// Keys that only make sense for one family of protocols.
void reject_misplaced_keys(ConfigReader& reader, const toml::table& table, const std::string& p,
                           Protocol protocol) {
  auto misplaced = [&](const char* key, const char* why) {
    if (const toml::node* node = table.get(key)) reader.problem(node->source(), p + key, why);
  };
  if (is_unix(protocol)) {
    misplaced("address", "unix listeners take a path, not an address");
  } else {
    misplaced("path", "only unix and unixgram listeners take a path");
    misplaced("mode", "only unix and unixgram listeners take a mode");
    misplaced("owner", "only unix and unixgram listeners take an owner");
    misplaced("group", "only unix and unixgram listeners take a group");
  }
  if (!is_stream(protocol)) {
    misplaced("messages_per_connection", "datagram listeners have no connections");
    misplaced("backlog", "datagram listeners have no backlog");
    misplaced("lingering_close", "datagram listeners have no connections");
  }
  if (protocol != Protocol::kTcp) {
    misplaced("defer_accept", "only tcp listeners defer accepting");
  }
}

void read_listener_socket(ConfigReader& reader, const toml::table& table, const std::string& p,
                          ListenerConfig& listener) {
  if (is_unix(listener.protocol)) {
    auto path =
        reader.get_parsed<std::string>(table, p, "path", "a path", [](const std::string& s) {
          SocketAddress::unix_path(s);  // throws if it does not fit
          return s;
        });
    if (path) listener.path = *path;
    if (!table.get("path"))
      reader.problem(table.source(), p + "path", "missing (required for unix)");
    if (auto v = reader.get_parsed<mode_t>(table, p, "mode", "an octal mode like \"0660\"",
                                           parse_file_mode)) {
      listener.mode = *v;
    }
    if (auto v = reader.get_string(table, p, "owner", "a user name")) listener.owner = *v;
    if (auto v = reader.get_string(table, p, "group", "a group name")) listener.group = *v;
    return;
  }
  if (auto v = reader.get_parsed<Endpoint>(table, p, "address",
                                           "an address like \"127.0.0.1:51717\"", parse_endpoint)) {
    listener.address = *v;
  }
  if (!table.get("address")) {
    reader.problem(table.source(), p + "address", "missing (required for tcp and udp)");
  }
}

// The service, then its own keys, which the service reads and checks.
void read_listener_service(ConfigReader& reader, const toml::table& table, const std::string& p,
                           ListenerConfig& listener) {
  auto name = reader.get_parsed<std::string>(
      table, p, "service", "a service name (" + service_names_text() + ")", check_service);
  if (name) {
    listener.service = *name;
  } else if (table.get("service")) {
    return;  // which keys are right depends on the service
  }
  const ServiceEntry* service = find_service(listener.service);
  if (service->speaks_first) listener.defer_accept = Duration::zero();
  listener.service_options =
      read_service_options(reader, *service, ServiceTable{table, p, listener.protocol});
}

ListenerConfig read_listener(ConfigReader& reader, const toml::table& table, const std::string& p) {
  ListenerConfig listener;
  reader.reject_unknown_keys(table, p, listener_keys());
  if (auto v = reader.get_parsed<std::string>(table, p, "name", "a name", check_listener_name)) {
    listener.name = *v;
  } else if (!table.get("name")) {
    reader.problem(table.source(), p + "name", "missing (every listener needs a unique name)");
  }
  if (auto v =
          reader.get_parsed<Protocol>(table, p, "protocol", kProtocolExpected, parse_protocol)) {
    listener.protocol = *v;
  } else if (!table.get("protocol")) {
    reader.problem(table.source(), p + "protocol", "missing (tcp, udp, unix or unixgram)");
  }
  reject_misplaced_keys(reader, table, p, listener.protocol);
  read_listener_socket(reader, table, p, listener);
  read_listener_service(reader, table, p, listener);
  if (auto v = reader.get_size(table, p, "max_message", 1, kMaxMessageLimit)) {
    listener.max_message = static_cast<size_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "messages_per_connection", 0, INT64_MAX)) {
    listener.messages_per_connection = static_cast<uint64_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "backlog", 1, 65535)) {
    listener.backlog = static_cast<int>(*v);
  }
  if (auto v = reader.get_parsed<LingeringClose>(table, p, "lingering_close",
                                                 "\"auto\" or \"always\"", parse_lingering_close)) {
    listener.lingering_close = *v;
  }
  if (auto v = reader.get_parsed<Duration>(table, p, "defer_accept", "whole seconds like \"1s\"",
                                           parse_defer_accept)) {
    listener.defer_accept = *v;
  }
  read_proxy_keys(reader, table, p, listener);
  read_access_keys(reader, table, p, listener);
  read_tls_table(reader, table, p, listener);
  return listener;
}

// The control socket is bound after the listeners: on a listener's path it
// failed, with a warning only, and ackctl reached the listener instead.
void check_control_socket_path(ConfigReader& reader, const toml::array& tables,
                               const Config& config) {
  const std::string& control = config.daemon.control_socket;
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const ListenerConfig& listener = config.listeners[i];
    if (control.empty() || !is_unix(listener.protocol) || listener.path != control) continue;
    reader.problem(
        tables[i].as_table()->get("path")->source(), "listener[" + std::to_string(i) + "].path",
        "\"" + control + "\" is daemon.control_socket too (each socket needs a path of its own)");
  }
}

// Names and unix paths must be unique; so must inet bindings.
void check_unique(ConfigReader& reader, const toml::array& tables,
                  const std::vector<ListenerConfig>& listeners) {
  for (size_t i = 0; i < listeners.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const auto& a = listeners[i];
      const auto& b = listeners[j];
      const auto& where = tables[i].source();
      std::string p = "listener[" + std::to_string(i) + "].";
      if (!a.name.empty() && a.name == b.name) {
        reader.problem(where, p + "name", "duplicate name \"" + a.name + "\"");
      } else if (a.conflicts_with(b) && !a.name.empty() && !b.name.empty()) {
        reader.problem(
            where, p + (is_unix(a.protocol) ? "path" : "address"),
            "listeners \"" + b.name + "\" and \"" + a.name + "\" both use " + a.describe());
      }
    }
  }
}

void read_listeners(ConfigReader& reader, const toml::table& root, Config& config) {
  const toml::node* node = root.get("listener");
  if (node == nullptr) {
    reader.problem(root.source(), "listener", "no [[listener]] configured");
    return;
  }
  const toml::array* tables = node->as_array();
  if (tables == nullptr || !tables->is_array_of_tables()) {
    reader.problem(node->source(), "listener", "must be an array of tables: [[listener]]");
    return;
  }
  for (size_t i = 0; i < tables->size(); ++i) {
    std::string prefix = "listener[" + std::to_string(i) + "].";
    config.listeners.push_back(read_listener(reader, *(*tables)[i].as_table(), prefix));
  }
  check_unique(reader, *tables, config.listeners);
  check_control_socket_path(reader, *tables, config);
}

// The exporter's socket is bound beside the listeners: not on one of theirs.
void check_metrics_address(ConfigReader& reader, const toml::table& root, const Config& config) {
  if (!config.metrics.enabled()) return;
  const Endpoint& address = *config.metrics.address;
  for (const ListenerConfig& listener : config.listeners) {
    if (listener.protocol == Protocol::kTcp && listener.address.host == address.host &&
        listener.address.port == address.port) {
      reader.problem(root.get("metrics")->as_table()->get("address")->source(), "metrics.address",
                     "also the address of listener \"" + listener.name + "\"");
    }
  }
}

// --- what the start needs of the machine ---

using Exists = std::function<bool(const std::string&)>;

// A user or group named by table[key] must exist (a typo failed the start).
void check_account(ConfigReader& reader, const toml::table& table, const std::string& p,
                   const char* key, const char* kind, const Exists& exists) {
  const toml::node* node = table.get(key);
  if (node == nullptr || !node->is_string()) return;
  std::string name = *node->value<std::string>();
  if (!name.empty() && !exists(name)) {
    reader.problem(node->source(), p + key, std::string("no such ") + kind + " \"" + name + "\"");
  }
}

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// ackd creates the file table[key] names, but not its directory.
void check_directory_of(ConfigReader& reader, const toml::table& table, const std::string& p,
                        const char* key, const Machine& machine) {
  const toml::node* node = table.get(key);
  if (node == nullptr || !node->is_string() || node->value<std::string>()->empty()) return;
  std::string directory = directory_of(*node->value<std::string>());
  if (!machine.is_directory(directory)) {
    reader.problem(node->source(), p + key,
                   "no directory \"" + directory + "\" (ackd creates the file, not its directory)");
  }
}

void check_on_machine(ConfigReader& reader, const toml::table& root, const Machine& machine) {
  if (const toml::table* daemon = root["daemon"].as_table()) {
    check_account(reader, *daemon, "daemon.", "user", "user", machine.user_exists);
    check_account(reader, *daemon, "daemon.", "group", "group", machine.group_exists);
    check_directory_of(reader, *daemon, "daemon.", "log_file", machine);
    check_directory_of(reader, *daemon, "daemon.", "pidfile", machine);
  }
  const toml::array* listeners = root["listener"].as_array();
  for (size_t i = 0; listeners != nullptr && i < listeners->size(); ++i) {
    const toml::table* table = (*listeners)[i].as_table();
    if (table == nullptr) continue;
    std::string p = "listener[" + std::to_string(i) + "].";
    check_account(reader, *table, p, "owner", "user", machine.user_exists);
    check_account(reader, *table, p, "group", "group", machine.group_exists);
  }
}

}  // namespace

std::string_view to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTcp:
      return "tcp";
    case Protocol::kUdp:
      return "udp";
    case Protocol::kUnix:
      return "unix";
    case Protocol::kUnixgram:
      return "unixgram";
  }
  return "?";
}

bool is_stream(Protocol protocol) {
  return protocol == Protocol::kTcp || protocol == Protocol::kUnix;
}

bool is_unix(Protocol protocol) {
  return protocol == Protocol::kUnix || protocol == Protocol::kUnixgram;
}

std::string ListenerConfig::describe() const {
  return std::string(to_string(protocol)) + " " + (is_unix(protocol) ? path : address.to_string());
}

bool ListenerConfig::conflicts_with(const ListenerConfig& other) const {
  // A unix and a unixgram socket cannot share a path: one file, one socket.
  if (is_unix(protocol) && is_unix(other.protocol)) return path == other.path;
  return same_binding(other);
}

bool ListenerConfig::same_binding(const ListenerConfig& other) const {
  if (protocol != other.protocol) return false;
  if (is_unix(protocol)) return path == other.path;
  return address.host == other.address.host && address.port == other.address.port;
}

namespace {
unsigned cpu_count() {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? static_cast<unsigned>(cpus) : 1;
}
}  // namespace

unsigned DaemonConfig::resolved_workers() const { return workers > 0 ? workers : cpu_count(); }

unsigned DaemonConfig::resolved_dispatchers() const {
  return std::min(dispatchers > 0 ? dispatchers : cpu_count(), max_children);
}

unsigned DaemonConfig::max_children_of(size_t slot) const {
  unsigned count = resolved_dispatchers();
  return max_children / count + (slot < max_children % count ? 1 : 0);
}

const ListenerConfig* Config::find_listener(std::string_view name) const {
  for (const auto& listener : listeners) {
    if (listener.name == name) return &listener;
  }
  return nullptr;
}

static std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

Config parse_config(std::string_view text, const std::string& source, const Machine* machine) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    ConfigReader reader(source);
    reader.problem(e.source(), "", "syntax error: " + std::string(e.description()));
    reader.finish();
  }
  ConfigReader reader(source);
  Config config;
  config.source = source;
  reader.reject_unknown_keys(root, "", kRootKeys);
  if (const toml::node* daemon = root.get("daemon")) {
    if (const toml::table* table = daemon->as_table()) {
      read_daemon(reader, *table, config.daemon);
    } else {
      reader.problem(daemon->source(), "daemon", "must be a table: [daemon]");
    }
  }
  if (const toml::node* spool = root.get("spool")) {
    if (const toml::table* table = spool->as_table()) {
      read_spool(reader, *table, config.spool);
    } else {
      reader.problem(spool->source(), "spool", "must be a table: [spool]");
    }
  }
  if (const toml::node* metrics = root.get("metrics")) {
    if (const toml::table* table = metrics->as_table()) {
      read_metrics(reader, *table, config.metrics);
    } else {
      reader.problem(metrics->source(), "metrics", "must be a table: [metrics]");
    }
  }
  read_listeners(reader, root, config);
  if (const toml::node* replication = root.get("replication")) {
    if (const toml::table* table = replication->as_table()) {
      read_replication(reader, *table, config);
    } else {
      reader.problem(replication->source(), "replication", "must be a table: [replication]");
    }
  }
  check_metrics_address(reader, root, config);
  if (machine != nullptr) {
    check_on_machine(reader, root, *machine);
    if (const toml::array* tables = root["listener"].as_array()) {
      load_tls_files(reader, *tables, config.listeners);
    }
  }
  reader.finish();
  return config;
}

Config load_config(const std::string& path, const Machine& machine) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError({path + ": cannot open: " + std::strerror(errno)});
  }
  // A directory opens but reads as empty: say so, not "no [[listener]]".
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw ConfigError({path + ": cannot read: " + std::strerror(EISDIR)});
  }
  std::ostringstream text;
  text << file.rdbuf();
  return parse_config(text.str(), path, &machine);
}

Config default_config() {
  static constexpr std::string_view kDefault = R"toml(
[[listener]]
name = "tcp"
protocol = "tcp"
address = "127.0.0.1:51717"

[[listener]]
name = "udp"
protocol = "udp"
address = "127.0.0.1:51717"
)toml";
  return parse_config(kDefault, "(embedded default)");
}

}  // namespace ackd

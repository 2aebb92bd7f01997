#include "daemon/config.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <span>
#include <sstream>

#include "common/socket_address.h"
#include "daemon/service.h"

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
                                       "udp_reply_burst"};
constexpr const char* kListenerKeys[] = {"name",
                                         "protocol",
                                         "address",
                                         "path",
                                         "mode",
                                         "owner",
                                         "group",
                                         "service",
                                         "ack",
                                         "max_message",
                                         "messages_per_connection",
                                         "backlog",
                                         "lingering_close",
                                         "defer_accept"};
constexpr const char* kRootKeys[] = {"daemon", "listener", "spool"};
constexpr const char* kSpoolKeys[] = {"path", "ack_after", "segment_size", "max_total_size"};
constexpr size_t kMaxMessageLimit = 16 * 1024 * 1024;
constexpr Duration kMinWorkerTimeout = std::chrono::seconds(1);

// Reads typed values out of a toml table and collects every problem with
// its position, so one run of --check-config reports them all.
class ConfigReader {
 public:
  explicit ConfigReader(std::string source) : source_(std::move(source)) {}

  void problem(const toml::source_region& where, const std::string& key, const std::string& why) {
    std::ostringstream line;
    line << source_ << ':' << where.begin.line << ':' << where.begin.column << ": ";
    if (!key.empty()) line << key << ": ";
    line << why;
    problems_.push_back(line.str());
  }

  void reject_unknown_keys(const toml::table& table, const std::string& prefix,
                           std::span<const char* const> known) {
    for (auto&& [key, node] : table) {
      std::string_view name = key.str();  // clang < 16 cannot capture a structured binding
      bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return name == k; });
      if (!ok) problem(key.source(), prefix + std::string(key.str()), "unknown key");
    }
  }

  std::optional<std::string> get_string(const toml::table& table, const std::string& prefix,
                                        const char* key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (auto value = node->value<std::string>(); value && node->is_string()) return value;
    problem(node->source(), prefix + key, "expected a string");
    return std::nullopt;
  }

  std::optional<int64_t> get_integer(const toml::table& table, const std::string& prefix,
                                     const char* key, int64_t min, int64_t max) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) {
      problem(node->source(), prefix + key, "expected an integer");
      return std::nullopt;
    }
    int64_t value = *node->value<int64_t>();
    if (value < min || value > max) {
      problem(node->source(), prefix + key,
              "must be from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> get_bool(const toml::table& table, const std::string& prefix,
                               const char* key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) {
      problem(node->source(), prefix + key, "expected true or false");
      return std::nullopt;
    }
    return *node->value<bool>();
  }

  // Runs parse(text) on a string value; its std::invalid_argument is a problem.
  template <typename T, typename Parse>
  std::optional<T> get_parsed(const toml::table& table, const std::string& prefix, const char* key,
                              Parse parse) {
    auto text = get_string(table, prefix, key);
    if (!text) return std::nullopt;
    try {
      return parse(*text);
    } catch (const std::invalid_argument& e) {
      problem(table.get(key)->source(), prefix + key, e.what());
      return std::nullopt;
    }
  }

  void finish() const {
    if (!problems_.empty()) throw ConfigError(problems_);
  }

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

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
  if (!levels.count(text)) {
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
  std::vector<std::string> names = service_names();
  if (std::find(names.begin(), names.end(), text) == names.end()) {
    std::string known;
    for (const std::string& name : names) known += (known.empty() ? "" : ", ") + name;
    throw std::invalid_argument("unknown service \"" + text + "\" (expected " + known + ")");
  }
  return text;
}

std::string check_ack(const std::string& text) {
  if (text.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument("must not contain a line break (one ack is one line)");
  }
  return text;
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
  auto value = reader.get_parsed<Duration>(table, p, key, parse_duration);
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
    // every 250ms (serve_loop.cpp): less than this kills healthy workers.
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
  if (auto v = reader.get_integer(table, p, "udp_reply_burst", 0, 1 << 30)) {
    daemon.udp_reply_burst = static_cast<uint64_t>(*v);
  }
}

AckAfter parse_ack_after(const std::string& text) {
  if (text == "receive") return AckAfter::kReceive;
  if (text == "write") return AckAfter::kWrite;
  if (text == "fsync") return AckAfter::kFsync;
  throw std::invalid_argument("unknown ack_after \"" + text +
                              "\" (expected receive, write or fsync)");
}

// A size: an integer of bytes, or a string like "64MiB", "1GiB", "512KiB".
std::optional<uint64_t> get_size(ConfigReader& reader, const toml::table& table,
                                 const std::string& p, const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (node->is_integer() && *node->value<int64_t>() >= 0) {
    return static_cast<uint64_t>(*node->value<int64_t>());
  }
  return reader.get_parsed<uint64_t>(table, p, key, [](const std::string& text) -> uint64_t {
    static const std::pair<const char*, uint64_t> units[] = {
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"B", 1}};
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    for (const auto& [unit, scale] : units) {
      if (digits == 0 || text.substr(digits) != unit) continue;
      uint64_t number = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + digits, number);
      if (error != std::errc() || number > UINT64_MAX / scale) {
        throw std::invalid_argument("\"" + text + "\" is too large");
      }
      return number * scale;
    }
    throw std::invalid_argument("\"" + text + "\" is not a size like \"64MiB\" or 1048576");
  });
}

void read_spool(ConfigReader& reader, const toml::table& table, SpoolConfig& spool) {
  const std::string p = "spool.";
  reader.reject_unknown_keys(table, p, kSpoolKeys);
  if (auto v = reader.get_string(table, p, "path")) spool.path = *v;
  if (!table.get("path"))
    reader.problem(table.source(), p + "path", "missing (the spool directory)");
  if (auto v = reader.get_parsed<AckAfter>(table, p, "ack_after", parse_ack_after)) {
    spool.ack_after = *v;
  }
  if (auto v = get_size(reader, table, p, "segment_size")) {
    if (*v < 4096) {
      reader.problem(table.get("segment_size")->source(), p + "segment_size",
                     "must be 4KiB or more");
    } else {
      spool.segment_size = *v;
    }
  }
  if (auto v = get_size(reader, table, p, "max_total_size")) spool.max_total_size = *v;
}

// A number of processes, or "auto" (0): one per CPU.
void read_process_count(ConfigReader& reader, const toml::table& table, const std::string& p,
                        const char* key, unsigned& count) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return;
  if (node->is_string() && *node->value<std::string>() == "auto") {
    count = 0;
  } else if (auto n = reader.get_integer(table, p, key, 1, 1024)) {
    count = static_cast<unsigned>(*n);
  }
}

void read_daemon(ConfigReader& reader, const toml::table& table, DaemonConfig& daemon) {
  const std::string p = "daemon.";
  reader.reject_unknown_keys(table, p, kDaemonKeys);
  if (auto v = reader.get_parsed<ProcessMode>(table, p, "mode", parse_mode)) daemon.mode = *v;
  read_process_count(reader, table, p, "workers", daemon.workers);
  read_process_count(reader, table, p, "dispatchers", daemon.dispatchers);
  if (auto v = reader.get_string(table, p, "user")) daemon.user = *v;
  if (auto v = reader.get_string(table, p, "group")) daemon.group = *v;
  if (auto v = reader.get_parsed<Duration>(table, p, "shutdown_timeout", parse_duration)) {
    daemon.shutdown_timeout = *v;
  }
  if (auto v = reader.get_bool(table, p, "log_messages")) daemon.log_messages = *v;
  if (auto v = reader.get_integer(table, p, "max_children", 1, 100000)) {
    daemon.max_children = static_cast<unsigned>(*v);
  }
  if (auto v = reader.get_parsed<std::string>(table, p, "log_level", parse_log_level)) {
    daemon.log_level = *v;
  }
  read_daemon_limits(reader, table, daemon);
  if (auto v = reader.get_string(table, p, "log_file")) daemon.log_file = *v;
  if (auto v = reader.get_parsed<std::string>(table, p, "log_target", parse_log_target)) {
    daemon.log_target = *v;
  }
  if (auto v = reader.get_string(table, p, "pidfile")) daemon.pidfile = *v;
  if (auto v = reader.get_parsed<std::string>(table, p, "control_socket", check_socket_path)) {
    daemon.control_socket = *v;
  }
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
    auto path = reader.get_parsed<std::string>(table, p, "path", [](const std::string& s) {
      SocketAddress::unix_path(s);  // throws if it does not fit
      return s;
    });
    if (path) listener.path = *path;
    if (!table.get("path"))
      reader.problem(table.source(), p + "path", "missing (required for unix)");
    if (auto v = reader.get_parsed<mode_t>(table, p, "mode", parse_file_mode)) listener.mode = *v;
    if (auto v = reader.get_string(table, p, "owner")) listener.owner = *v;
    if (auto v = reader.get_string(table, p, "group")) listener.group = *v;
    return;
  }
  if (auto v = reader.get_parsed<Endpoint>(table, p, "address", parse_endpoint)) {
    listener.address = *v;
  }
  if (!table.get("address")) {
    reader.problem(table.source(), p + "address", "missing (required for tcp and udp)");
  }
}

ListenerConfig read_listener(ConfigReader& reader, const toml::table& table, const std::string& p) {
  ListenerConfig listener;
  reader.reject_unknown_keys(table, p, kListenerKeys);
  if (auto v = reader.get_parsed<std::string>(table, p, "name", check_listener_name)) {
    listener.name = *v;
  } else if (!table.get("name")) {
    reader.problem(table.source(), p + "name", "missing (every listener needs a unique name)");
  }
  if (auto v = reader.get_parsed<Protocol>(table, p, "protocol", parse_protocol)) {
    listener.protocol = *v;
  } else if (!table.get("protocol")) {
    reader.problem(table.source(), p + "protocol", "missing (tcp, udp, unix or unixgram)");
  }
  reject_misplaced_keys(reader, table, p, listener.protocol);
  read_listener_socket(reader, table, p, listener);
  if (auto v = reader.get_parsed<std::string>(table, p, "service", check_service)) {
    listener.service = *v;
  }
  if (auto v = reader.get_parsed<std::string>(table, p, "ack", check_ack)) listener.ack = *v;
  if (auto v = reader.get_integer(table, p, "max_message", 1, kMaxMessageLimit)) {
    listener.max_message = static_cast<size_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "messages_per_connection", 0, INT64_MAX)) {
    listener.messages_per_connection = static_cast<uint64_t>(*v);
  }
  if (auto v = reader.get_integer(table, p, "backlog", 1, 65535)) {
    listener.backlog = static_cast<int>(*v);
  }
  if (auto v =
          reader.get_parsed<LingeringClose>(table, p, "lingering_close", parse_lingering_close)) {
    listener.lingering_close = *v;
  }
  if (auto v = reader.get_parsed<Duration>(table, p, "defer_accept", parse_defer_accept)) {
    listener.defer_accept = *v;
  }
  return listener;
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

Config parse_config(std::string_view text, const std::string& source) {
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
  read_listeners(reader, root, config);
  reader.finish();
  return config;
}

Config load_config(const std::string& path) {
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
  return parse_config(text.str(), path);
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

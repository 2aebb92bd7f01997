#include "daemon/replicate/replication_config.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "daemon/config/config.h"
#include "daemon/config/config_reader.h"

namespace ackd {
namespace {

constexpr const char* kReplicationKeys[] = {
    "servers", "stream",   "subject", "mode",        "timeout", "create_stream", "replicas",
    "user",    "password", "token",   "credentials", "tls_ca",  "max_pending",   "max_lag"};
constexpr std::string_view kListenerField = "{listener}";
constexpr size_t kMaxServers = 32;

bool is_blank_or_control(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c));
}

// "nats://host:port" or "tls://host:port".
std::string check_server(const std::string& url) {
  size_t scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "nats" && scheme != "tls") {
    throw std::invalid_argument("\"" + url + "\" is not a URL like \"nats://host:4222\"");
  }
  std::string rest = url.substr(scheme_end + 3);
  size_t colon = rest.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < rest.size() &&
            std::all_of(rest.begin() + static_cast<long>(colon) + 1, rest.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
            std::none_of(rest.begin(), rest.end(), is_blank_or_control) &&
            rest.find('/') == std::string::npos;
  if (!ok)
    throw std::invalid_argument("\"" + url + "\" needs a host and a port: \"nats://host:4222\"");
  return url;
}

// JetStream stream names: no blanks, no '.', '*', '>', '/' or '\'.
std::string check_stream(const std::string& name) {
  bool ok =
      !name.empty() && name.size() <= 255 && std::none_of(name.begin(), name.end(), [](char c) {
        return is_blank_or_control(c) || c == '.' || c == '*' || c == '>' || c == '/' || c == '\\';
      });
  if (!ok)
    throw std::invalid_argument("\"" + name + "\" is not a stream name (no blanks, . * > / \\)");
  return name;
}

// A subject to publish on: dot-separated non-empty tokens, no wildcards.
bool valid_subject(std::string_view subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  if (subject.find("..") != std::string_view::npos) return false;
  return std::none_of(subject.begin(), subject.end(),
                      [](char c) { return is_blank_or_control(c) || c == '*' || c == '>'; });
}

// `text` with each {listener} made `name`.
std::string fill_listener(std::string_view text, std::string_view name) {
  std::string out;
  size_t from = 0;
  for (size_t at; (at = text.find(kListenerField, from)) != std::string_view::npos;) {
    out.append(text.substr(from, at - from));
    out.append(name);
    from = at + kListenerField.size();
  }
  out.append(text.substr(from));
  return out;
}

std::string check_subject(const std::string& subject) {
  std::string sample = fill_listener(subject, "x");
  if (sample.find_first_of("{}") != std::string::npos) {
    throw std::invalid_argument("\"" + subject + "\": the only field is {listener}");
  }
  if (!valid_subject(sample)) {
    throw std::invalid_argument("\"" + subject +
                                "\" is not a NATS subject (tokens separated by dots, no blanks, "
                                "no wildcards)");
  }
  return subject;
}

ReplicationMode parse_mode(const std::string& text) {
  if (text == "sync") return ReplicationMode::kSync;
  if (text == "forward") return ReplicationMode::kForward;
  throw std::invalid_argument("unknown mode \"" + text + "\" (expected sync or forward)");
}

void read_servers(ConfigReader& reader, const toml::table& table, const std::string& p,
                  ReplicationConfig& replication) {
  const toml::node* node = table.get("servers");
  if (node == nullptr) {
    reader.problem(table.source(), p + "servers",
                   "missing (the NATS servers: [\"nats://host:4222\"])");
    return;
  }
  const toml::array* array = node->as_array();
  if (array == nullptr || array->empty() || array->size() > kMaxServers) {
    reader.problem(node->source(), p + "servers",
                   "expected a list of 1 to 32 URLs like [\"nats://host:4222\"]");
    return;
  }
  for (const toml::node& element : *array) {
    const std::string* url = element.as_string() ? &element.as_string()->get() : nullptr;
    if (url == nullptr) {
      reader.problem(element.source(), p + "servers", "expected a URL like \"nats://host:4222\"");
      continue;
    }
    try {
      replication.servers.push_back(check_server(*url));
    } catch (const std::invalid_argument& e) {
      reader.problem(element.source(), p + "servers", e.what());
    }
  }
}

void read_credentials(ConfigReader& reader, const toml::table& table, const std::string& p,
                      ReplicationConfig& r) {
  if (auto v = reader.get_string(table, p, "user", "a user name")) r.user = *v;
  if (auto v = reader.get_string(table, p, "password", "a password")) r.password = *v;
  if (auto v = reader.get_string(table, p, "token", "a token")) r.token = *v;
  if (auto v = reader.get_string(table, p, "credentials", "a .creds file")) r.credentials = *v;
  if (auto v = reader.get_string(table, p, "tls_ca", "a CA file")) r.tls_ca = *v;
  if (r.user.empty() != r.password.empty()) {
    const char* key = r.user.empty() ? "user" : "password";
    reader.problem(table.source(), p + key, "user and password go together");
  }
  int methods = !r.user.empty() + !r.token.empty() + !r.credentials.empty();
  if (methods > 1) {
    reader.problem(table.source(), p + "token",
                   "choose one of user/password, token and credentials");
  }
}

// The subject must make a valid subject for every listener's name.
void check_subjects(ConfigReader& reader, const toml::table& table, const std::string& p,
                    const Config& config) {
  const toml::node* node = table.get("subject");
  for (const ListenerConfig& listener : config.listeners) {
    std::string subject = config.replication.subject_for(listener.name);
    if (listener.name.empty() || valid_subject(subject)) continue;
    reader.problem(
        node != nullptr ? node->source() : table.source(), p + "subject",
        "listener \"" + listener.name + "\" makes \"" + subject + "\", not a NATS subject");
  }
}

}  // namespace

std::string ReplicationConfig::subject_for(std::string_view listener) const {
  return fill_listener(subject, listener);
}

bool replication_built_in() {
#ifdef ACKD_HAVE_NATS
  return true;
#else
  return false;
#endif
}

void read_replication(ConfigReader& reader, const toml::table& table, Config& config) {
  const std::string p = "replication.";
  if (!replication_built_in()) {
    reader.problem(table.source(), "replication",
                   "this ackd was built without libnats (NATS JetStream): remove the table, or "
                   "rebuild with libnats-dev installed");
    return;
  }
  ReplicationConfig& r = config.replication;
  reader.reject_unknown_keys(table, p, kReplicationKeys);
  read_servers(reader, table, p, r);
  if (auto v = reader.get_parsed<std::string>(table, p, "stream", "a stream name", check_stream)) {
    r.stream = *v;
  }
  if (auto v = reader.get_parsed<std::string>(
          table, p, "subject", "a subject like \"ackd.{listener}\"", check_subject)) {
    r.subject = *v;
  }
  if (auto v = reader.get_parsed<ReplicationMode>(table, p, "mode", "\"sync\" or \"forward\"",
                                                  parse_mode)) {
    r.mode = *v;
    if (r.mode == ReplicationMode::kForward && !config.spool.enabled()) {
      reader.problem(table.get("mode")->source(), p + "mode",
                     "\"forward\" ships the spool: it needs a [spool] table");
    }
  }
  if (auto v = reader.get_duration(table, p, "timeout")) {
    if (*v < std::chrono::milliseconds(10) || *v > std::chrono::minutes(10)) {
      reader.problem(table.get("timeout")->source(), p + "timeout", "must be from 10ms to 10m");
    } else {
      r.timeout = *v;
    }
  }
  if (auto v = reader.get_bool(table, p, "create_stream")) r.create_stream = *v;
  if (auto v = reader.get_integer(table, p, "replicas", 1, 5))
    r.replicas = static_cast<unsigned>(*v);
  if (auto v = reader.get_integer(table, p, "max_pending", 1, 1 << 20)) {
    r.max_pending = static_cast<unsigned>(*v);
  }
  if (auto v = reader.get_size(table, p, "max_lag", 0)) {
    r.max_lag = *v;
    if (r.max_lag > 0 && r.mode != ReplicationMode::kForward) {
      reader.problem(table.get("max_lag")->source(), p + "max_lag",
                     "bounds what the forwarder has not shipped: only with mode = \"forward\"");
    }
  }
  read_credentials(reader, table, p, r);
  check_subjects(reader, table, p, config);
}

}  // namespace ackd

// Config: the daemon's configuration as an immutable value. Loaded from TOML
// (load_config) or the embedded default; every error names file, line,
// column and key. Reload builds a new value and swaps it only if valid.
// A loaded config is checked against the machine too (users, groups,
// directories), so --check-config refuses what the start would fail on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/cidr.h"
#include "common/duration.h"
#include "common/endpoint.h"
#include "daemon/access/access_policy.h"
#include "daemon/config/machine.h"
#include "daemon/config/metrics_config.h"
#include "daemon/replicate/replication_config.h"
#include "daemon/transport/proxy_header.h"
#include "daemon/transport/tls_settings.h"

namespace ackd {

enum class Protocol { kTcp, kUdp, kUnix, kUnixgram };
enum class ProcessMode { kPrefork, kFork };
// When the server closes a stream connection, whether it first reads until
// the peer's EOF (lingers) so that a late byte cannot turn the close into a
// reset. auto: only when the peer may still be sending (it sent more than was
// read, or the close answers an error); always: every time.
enum class LingeringClose { kAuto, kAlways };

class ServiceOptions;  // daemon/service/service.h: opaque here

std::string_view to_string(Protocol protocol);
bool is_stream(Protocol protocol);
bool is_unix(Protocol protocol);

struct ListenerConfig {
  std::string name;
  Protocol protocol = Protocol::kTcp;
  Endpoint address;    // tcp, udp
  std::string path;    // unix, unixgram
  mode_t mode = 0660;  // unix, unixgram: permissions of the socket file
  std::string owner;   // unix, unixgram: owner and group of the socket file
  std::string group;   //   (empty: unchanged; the group: the workers', as root)
  std::string service = "ack";
  // The service's own keys (`ack`), as it parsed them: only the service
  // looks inside (service_registry.h). nullptr: the service's defaults.
  std::shared_ptr<const ServiceOptions> service_options;
  size_t max_message = 65536;
  uint64_t messages_per_connection = 0;  // 0: no limit
  int backlog = 511;
  LingeringClose lingering_close = LingeringClose::kAuto;
  // tcp: the kernel hands a connection over only once the client has sent
  // (or after this long); 0: at once. Whole seconds (TCP_DEFER_ACCEPT).
  Duration defer_accept = std::chrono::seconds(1);
  // tcp, unix: each connection begins with a PROXY header (fleet_keys.h),
  // believed from these peers only (tcp; on unix, whoever may connect).
  ProxyProtocol proxy_protocol = ProxyProtocol::kOff;
  CidrList trusted_proxies = loopback_cidrs();
  // tcp, udp: who may connect or send (access_keys.h).
  AccessPolicy access;
  SourceLimits source_limits;
  // tcp, unix: [listener.tls]; null: plain. Shared by the copies of the
  // config (its SSL_CTX is built once, by the master).
  std::shared_ptr<const TlsSettings> tls;

  // "tcp 127.0.0.1:51717" or "unix /run/ackd/ackd.sock", for logs.
  std::string describe() const;
  // Same socket: a listener whose binding is equal can be kept across a reload.
  bool same_binding(const ListenerConfig& other) const;
  // Both cannot be bound at once: the same socket, or two on one unix path.
  bool conflicts_with(const ListenerConfig& other) const;
};

struct DaemonConfig {
  ProcessMode mode = ProcessMode::kPrefork;
  unsigned workers = 0;  // 0: one per CPU ("auto")
  std::string user;      // empty: do not change user
  std::string group;
  Duration shutdown_timeout = std::chrono::seconds(10);
  bool log_messages = true;
  unsigned max_children = 512;  // fork mode: connections served at once, in all
  unsigned dispatchers = 1;     // fork mode: processes that accept and fork; 0: one per CPU
  std::string log_level = "info";
  uint64_t udp_reply_burst = 4096;  // reply bytes a UDP source may get beyond what it sent
  std::string log_file;             // empty: stderr
  std::string log_target = "auto";  // auto | stderr | journal
  Duration worker_timeout = std::chrono::seconds(30);  // no heartbeat: killed
  uint64_t max_requests = 0;         // connections before a worker is recycled; 0: never
  uint64_t max_requests_jitter = 0;  // plus a random 0..jitter, so workers do not recycle at once
  unsigned max_connections = 1024;   // per worker; beyond it the worker stops accepting
  Duration idle_timeout = std::chrono::seconds(60);       // no byte from the client
  Duration message_timeout = std::chrono::seconds(10);    // to complete a started message
  std::string pidfile;                                    // empty: none
  std::string control_socket = "/run/ackd/control.sock";  // empty: none
  // A graceful stop first keeps serving this long, saying it drains, so a
  // load balancer moves new clients elsewhere; 0: stop at once.
  Duration drain_before_stop = std::chrono::seconds(0);

  unsigned resolved_workers() const;  // "auto" made concrete
  // "auto" made concrete, and no more than max_children (one child each).
  unsigned resolved_dispatchers() const;
  // Dispatcher `slot`'s share of max_children (the shares add up to it).
  unsigned max_children_of(size_t slot) const;
};

enum class AckAfter { kReceive, kWrite, kFsync };

struct SpoolConfig {
  std::string path;  // empty: no spool
  AckAfter ack_after = AckAfter::kWrite;
  uint64_t segment_size = 64ull << 20;
  uint64_t max_total_size = 1ull << 30;  // 0: unlimited

  bool enabled() const { return !path.empty(); }
};

struct Config {
  std::string source;  // file path, or "(embedded default)"
  DaemonConfig daemon;
  SpoolConfig spool;
  MetricsConfig metrics;
  ReplicationConfig replication;
  std::vector<ListenerConfig> listeners;

  const ListenerConfig* find_listener(std::string_view name) const;
};

// Every problem found in a config, one line each ("file:line:col: key: why").
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Parses TOML text; `source` names it in errors. Checks the text alone, and
// what it names on `machine` if one is given. Throws ConfigError.
Config parse_config(std::string_view text, const std::string& source,
                    const Machine* machine = nullptr);
// Reads and parses a file, checked against `machine`. Throws ConfigError
// (also for a missing file).
Config load_config(const std::string& path, const Machine& machine = this_machine());
// The built-in config: TCP and UDP on 127.0.0.1:51717.
Config default_config();

}  // namespace ackd

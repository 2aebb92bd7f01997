// ReplicationConfig: the [replication] table, acks replicated on a NATS
// JetStream stream. read_replication() checks every key (file:line:column:
// key: why); an ackd built without libnats refuses the table in one line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/duration.h"

namespace ackd {

class ConfigReader;
struct Config;

// sync: a reply waits for the stream's publish ack. forward: replies follow
// the spool; a forwarder ships the spool to the stream.
enum class ReplicationMode { kSync, kForward };

struct ReplicationConfig {
  std::vector<std::string> servers;  // empty: no replication
  std::string stream = "ACKD";
  std::string subject = "ackd.{listener}";
  ReplicationMode mode = ReplicationMode::kSync;
  Duration timeout = std::chrono::seconds(2);  // for a publish ack
  bool create_stream = false;
  unsigned replicas = 3;        // when ackd creates the stream
  unsigned max_pending = 4096;  // per process: publishes awaiting their ack
  // forward: spool bytes not yet in the stream at which clients wait (0: no bound)
  uint64_t max_lag = 0;
  std::string user, password;  // or
  std::string token;           // or
  std::string credentials;     // a .creds file (JWT and NKey seed)
  std::string tls_ca;          // TLS, trusting this CA (also implied by tls:// URLs)

  bool enabled() const { return !servers.empty(); }
  bool sync() const { return enabled() && mode == ReplicationMode::kSync; }
  bool forward() const { return enabled() && mode == ReplicationMode::kForward; }
  // The subject a listener's messages are published on.
  std::string subject_for(std::string_view listener) const;
};

// Whether this ackd was built with libnats.
bool replication_built_in();

// Reads [replication] into config.replication; the spool and the listeners
// are read already (mode = "forward" needs a spool; the subject must be
// valid for every listener name).
void read_replication(ConfigReader& reader, const toml::table& table, Config& config);

}  // namespace ackd

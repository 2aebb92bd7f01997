// The service registry: one table of the built-in services, each with its
// name, the listener keys it takes, the reader that parses and checks them
// (errors "file:line:column: key: why", through the config's reader) and
// the factory that makes the service from what was read. The config parser
// asks it about `service` and those keys; the workers ask it for services.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "daemon/config/config.h"
#include "daemon/config/config_reader.h"
#include "daemon/service/service.h"

namespace ackd {

using ServiceOptionsPtr = std::shared_ptr<const ServiceOptions>;

// A listener key of one service, and what it holds, for errors that name
// it ("only the ack service takes an ack text").
struct ServiceKey {
  const char* name;
  const char* holds;
};

// What a service's reader sees of its [[listener]] table.
struct ServiceTable {
  const toml::table& table;
  const std::string& prefix;  // "listener[0].", the start of each key in errors
  Protocol protocol;
};

struct ServiceEntry {
  std::string_view name;
  std::span<const ServiceKey> keys;  // beside the keys every listener has
  // Parses and checks the service's keys in `listener`; a problem goes to
  // `reader`. nullptr: the service has no options.
  ServiceOptionsPtr (*read_options)(ConfigReader& reader, const ServiceTable& listener);
  // `options`: what read_options returned, or nullptr for the defaults (a
  // ListenerConfig made in code rather than read from a file); `context`:
  // what the service may read of the daemon.
  std::unique_ptr<Service> (*make)(const ServiceOptions* options, const ServiceContext& context);
  // The service speaks first (Service::greet): its listener accepts at once
  // (defer_accept "0s" by default), since the client sends nothing.
  bool speaks_first = false;
};

std::span<const ServiceEntry> services();
const ServiceEntry* find_service(std::string_view name);
// "ack, echo or haproxy-agent": the names, for errors.
std::string service_names_text();
// Whether some service takes `key` (so a listener key it is not unknown).
bool is_service_key(std::string_view key);
// Reads `service`'s options from its listener's table. A key that belongs
// to another service is a problem that names it.
ServiceOptionsPtr read_service_options(ConfigReader& reader, const ServiceEntry& service,
                                       const ServiceTable& listener);

}  // namespace ackd

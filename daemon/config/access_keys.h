// The configuration keys of who may connect: a listener's allow and deny
// lists (tcp, udp) and its per-source limits: max_connections_per_source
// (tcp), max_messages_per_second_per_source and message_burst_per_source
// (tcp, udp). Read and checked like the others (file:line:column: key:
// why); config.cpp calls this.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "daemon/config/config.h"
#include "daemon/config/config_reader.h"

namespace ackd {

// The keys read_access_keys reads (config.cpp lists them as listener keys).
inline constexpr const char* kAccessKeys[] = {"allow", "deny", "max_connections_per_source",
                                              "max_messages_per_second_per_source",
                                              "message_burst_per_source"};

void read_access_keys(ConfigReader& reader, const toml::table& table, const std::string& p,
                      ListenerConfig& listener);

}  // namespace ackd

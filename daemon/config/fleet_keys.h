// The configuration keys of a fleet behind a load balancer: a listener's
// proxy_protocol and trusted_proxies (tcp and unix stream), and the daemon's
// drain_before_stop. Read and checked like the others (file:line:column:
// key: why); config.cpp calls these.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "daemon/config/config.h"
#include "daemon/config/config_reader.h"

namespace ackd {

// [[listener]] proxy_protocol and trusted_proxies (which may be set, to no
// effect, while proxy_protocol is "off"). The PROXY transport
// (daemon/transport/proxy_stream.h) serves tcp and unix stream listeners.
void read_proxy_keys(ConfigReader& reader, const toml::table& table, const std::string& p,
                     ListenerConfig& listener);

// [daemon] drain_before_stop.
void read_drain_key(ConfigReader& reader, const toml::table& table, const std::string& p,
                    DaemonConfig& daemon);

}  // namespace ackd

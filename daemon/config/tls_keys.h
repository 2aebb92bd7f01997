// A listener's [listener.tls] table: certificate, key, client_ca,
// verify_client and allowed_clients, read and checked like the other keys
// (file:line:column: key: why); then, when the config is checked against
// the machine, the files it names are loaded (load_tls_files).
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "daemon/config/config.h"
#include "daemon/config/config_reader.h"

namespace ackd {

// listener.tls, if the listener table has one (tcp and unix stream only).
void read_tls_table(ConfigReader& reader, const toml::table& listener_table, const std::string& p,
                    ListenerConfig& listener);

// Builds each TLS listener's context from its files (read now, as the
// master: root); a file that cannot be used is a problem at its key.
void load_tls_files(ConfigReader& reader, const toml::array& listener_tables,
                    std::vector<ListenerConfig>& listeners);

}  // namespace ackd

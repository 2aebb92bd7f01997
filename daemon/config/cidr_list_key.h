// A config key that holds a list of address ranges (CIDR strings), read
// into a CidrList: trusted_proxies, allow, deny. Every bad entry is a
// problem of its own, named key[i].
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "common/cidr.h"
#include "daemon/config/config_reader.h"

namespace ackd {

// The list, or nullopt after reporting the problems. `if_empty`: why an
// empty list is refused, as the key's problem.
std::optional<CidrList> read_cidr_list(ConfigReader& reader, const toml::node& node,
                                       const std::string& key, std::string_view if_empty);

}  // namespace ackd

// Changing a running Daemon's config (for HUP and `ackctl reload`), and
// picking lines out of a log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/daemon.h"

namespace ackd::test {

// Replaces the daemon's config file atomically with `config`, keeping its
// control socket (added to [daemon] as the fixture does). Returns the text
// written, for tests that locate lines in it.
std::string rewrite_config(const Daemon& daemon, const std::string& config);

// [[listener]] tables for test configs; `extra` holds more "key = value\n"
// lines. Addresses are on 127.0.0.1.
std::string tcp_listener(const std::string& name, uint16_t port, const std::string& extra = "");
std::string udp_listener(const std::string& name, uint16_t port);
std::string unix_listener(const std::string& name, const std::string& path,
                          const std::string& extra = "");

// The lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle);

}  // namespace ackd::test

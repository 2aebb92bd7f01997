// ackctl spool cat|stats DIR: reads a spool directory offline. cat prints
// every valid record (text, or --json one object per line); stats counts
// segments, records and bytes and verifies every checksum. Both report a
// corrupt or torn record on stderr and exit with kExitProtocol.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ackd::client {

void setup_spool(CLI::App& app);

// Text and JSON forms of one record, for cat.
struct SpoolRecordText {
  static std::string text(uint64_t time_ns, std::string_view listener, std::string_view peer,
                          std::string_view message);
  static std::string json(uint64_t time_ns, std::string_view listener, std::string_view peer,
                          std::string_view message);
};

}  // namespace ackd::client

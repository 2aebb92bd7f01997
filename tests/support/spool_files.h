// Spool helpers for the integration tests: a config with a spool, and what
// a spool directory holds, read through `ackctl spool` as a user would.
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace ackd::test {

// [daemon] (2 workers, or `mode`), [spool] at `spool` with `ack_after` and
// `extra` lines, and a tcp listener on `port`. Run as root the workers are
// "nobody": the spool's parent is made reachable for them.
std::string spool_config(uint16_t port, const std::string& spool, const std::string& ack_after,
                         const std::string& extra = "", const std::string& mode = "prefork");

// Every message in the spool (ackctl spool cat --json); the test fails if
// ackctl reports damage.
std::multiset<std::string> spooled_messages(const std::string& spool);

// The total size of the spool's segments, in bytes.
uint64_t spool_bytes(const std::string& spool);

}  // namespace ackd::test

// What a stored message carries beside its body, built the same way by the
// sync stage and the forwarder: the time as RFC 3339, the peer escaped (a
// unix client names its own path: no byte of it may break a header line),
// and this machine's name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ackd {

// "2026-12-06T04:32:05.123456789Z"
std::string rfc3339_ns(uint64_t unix_ns);
// Printable ASCII only: what a NATS header value may hold.
std::string header_safe(std::string_view text);
// gethostname(), or "localhost".
std::string host_name();

}  // namespace ackd

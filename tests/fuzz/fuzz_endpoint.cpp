// Fuzzes the small parsers of addresses and durations that read config
// values and command-line arguments: parse_endpoint and parse_port
// (common/endpoint.h), parse_duration (common/duration.h). Each either
// returns a value in range or throws std::invalid_argument; anything else is
// a finding. What they return must survive a round trip through its text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>

#include "common/duration.h"
#include "common/endpoint.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_endpoint: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

void fuzz_endpoint(std::string_view text) {
  try {
    ackd::Endpoint endpoint = ackd::parse_endpoint(text);
    check(!endpoint.host.empty() && endpoint.port != 0, "endpoint without host or port");
    // A host with brackets in it cannot be written back (and never resolves).
    if (endpoint.host.find_first_of("[]") == std::string::npos) {
      ackd::Endpoint again = ackd::parse_endpoint(endpoint.to_string());
      check(again.host == endpoint.host && again.port == endpoint.port,
            "endpoint does not survive to_string");
    }
  } catch (const std::invalid_argument&) {
  }
}

void fuzz_port(std::string_view text) {
  try {
    uint16_t port = ackd::parse_port(text);
    // Leading zeros are accepted ("080" is 80, never octal).
    std::string_view digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
    check(port != 0 && std::to_string(port) == digits, "port is not its digits");
  } catch (const std::invalid_argument&) {
  }
}

void fuzz_duration(std::string_view text) {
  try {
    ackd::Duration duration = ackd::parse_duration(text);
    check(duration.count() >= 0 && duration <= std::chrono::hours(24 * 366),
          "duration out of range");
    check(ackd::parse_duration(ackd::format_duration(duration)) == duration,
          "duration does not survive format_duration");
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    fuzz_endpoint(text);
    fuzz_port(text);
    fuzz_duration(text);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_endpoint: unexpected %s: %s\n", typeid(e).name(), e.what());
    __builtin_trap();
  }
  return 0;
}

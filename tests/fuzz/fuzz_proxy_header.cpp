// Fuzzes the PROXY protocol header parser (daemon/transport/proxy_header.h):
// it never reads past its input, a header it accepts is within the bounds
// and parses the same from exactly its own bytes, every shorter beginning
// of it needs more, an error stays an error whatever follows, and "off"
// accepts nothing; and the quick path for the usual v2 header gives what
// the full v2 parser gives.
//
// Input: [mode] bytes...   mode % 4: off, v1, v2, any.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "daemon/transport/proxy_header.h"
#include "daemon/transport/proxy_v2.h"

namespace {

using ackd::ProxyParseResult;
using ackd::ProxyParseStatus;
using ackd::ProxyProtocol;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_proxy_header: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

bool printable(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

void check_done(std::string_view data, ProxyProtocol mode, const ProxyParseResult& r) {
  const ackd::ProxyHeader& h = r.header;
  check(h.length > 0 && h.length <= data.size(), "the header lies within the input");
  check(h.length <= ackd::kProxyHeaderMaxSize, "the header is within the bound");
  check(h.version == 1 || h.version == 2, "version 1 or 2");
  check(mode == ProxyProtocol::kAny || (mode == ProxyProtocol::kV1) == (h.version == 1),
        "only the configured version");
  check(h.version == 2 || h.length <= ackd::kProxyV1MaxLine, "a v1 line is 107 bytes at most");
  check(h.unique_id.size() <= ackd::kProxyUniqueIdMax, "a unique id is 128 bytes at most");
  check(h.version == 2 || h.unique_id.empty(), "v1 has no unique id");
  if (h.proxied) {
    int source = h.source.family(), destination = h.destination.family();
    check(source == destination, "source and destination of one family");
    check(source == AF_INET || source == AF_INET6 || (h.version == 2 && source == AF_UNIX),
          "inet addresses (or unix, in v2)");
  }
  ProxyParseResult exact = ackd::parse_proxy_header(data.substr(0, h.length), mode);
  check(exact.status == ProxyParseStatus::kDone && exact.header.length == h.length,
        "the header parses the same from its own bytes");
  check(exact.header.unique_id == h.unique_id && exact.header.proxied == h.proxied,
        "what the header carries does not depend on what follows it");
  // Two beginnings (all of them would be quadratic): they need more.
  for (size_t cut : {h.length - 1, h.length / 2}) {
    ProxyParseResult part = ackd::parse_proxy_header(data.substr(0, cut), mode);
    check(part.status == ProxyParseStatus::kNeedMore, "a beginning of a header needs more");
  }
}

void check_quick_path(std::string_view data) {
  ackd::SocketAddress source;
  size_t length = ackd::parse_proxy_v2_usual(data, source);
  if (length == 0) return;
  ackd::ProxyHeader full;
  std::string error;
  check(ackd::parse_proxy_v2(data, full, error) == ProxyParseStatus::kDone,
        "the full parser takes what the quick path takes");
  check(full.length == length && full.proxied && full.unique_id.empty() &&
            full.source.to_raw_string() == source.to_raw_string(),
        "the quick path gives what the full parser gives");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 1) return 0;
  auto mode = static_cast<ProxyProtocol>(bytes[0] % 4);
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  check_quick_path(data);
  ProxyParseResult r = ackd::parse_proxy_header(data, mode);
  if (mode == ProxyProtocol::kOff)
    check(r.status == ProxyParseStatus::kError, "off accepts nothing");
  switch (r.status) {
    case ProxyParseStatus::kDone:
      check_done(data, mode, r);
      break;
    case ProxyParseStatus::kNeedMore:
      check(data.size() < ackd::kProxyHeaderMaxSize, "never waits past the bound");
      check(mode != ProxyProtocol::kV1 || data.size() < ackd::kProxyV1MaxLine,
            "v1 never waits past 107 bytes");
      break;
    case ProxyParseStatus::kError: {
      check(!r.error.empty() && printable(r.error), "a reason in printable ASCII");
      std::string longer(data);
      longer += "\r\n";
      check(ackd::parse_proxy_header(longer, mode).status == ProxyParseStatus::kError,
            "an error stays an error whatever follows");
      break;
    }
  }
  return 0;
}

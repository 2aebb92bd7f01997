// The PROXY protocol header (HAProxy's doc/proxy-protocol.txt): the text
// line (v1) or binary block (v2) a proxy puts first on a connection to say
// whose it is. A pure parser: given the bytes received so far, it says
// whether they hold a complete, valid header (what it carries, how long it
// is), need more bytes, or can never be one (why). The header is expected by
// configuration, never sniffed; the transport that reads it is apart.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/socket_address.h"

namespace ackd {

// Which headers a listener accepts: none, one version, or either.
enum class ProxyProtocol { kOff, kV1, kV2, kAny };

std::string_view to_string(ProxyProtocol protocol);
// "off", "v1", "v2" or "any"; throws std::invalid_argument.
ProxyProtocol parse_proxy_protocol(std::string_view text);

// A v1 line, CRLF included, is 107 bytes at most (the spec's worst case).
inline constexpr size_t kProxyV1MaxLine = 107;
// v2: the fixed part, and the bound on what follows it (addresses and
// TLVs). The spec's headers fit in 536 bytes; HAProxy's largest (with its
// SSL TLVs) stay well under the bound.
inline constexpr size_t kProxyV2FixedSize = 16;
inline constexpr size_t kProxyV2MaxLength = 2048;
// The most bytes a header can take: a reader never needs to buffer more.
inline constexpr size_t kProxyHeaderMaxSize = kProxyV2FixedSize + kProxyV2MaxLength;
// PP2_TYPE_UNIQUE_ID: "up to 128 bytes".
inline constexpr size_t kProxyUniqueIdMax = 128;

struct ProxyHeader {
  ProxyHeader() = default;
  // The addresses not zeroed: read only once a parse has set them (proxied).
  explicit ProxyHeader(SocketAddress::Unset unset) : source(unset), destination(unset) {}

  int version = 0;  // 1 or 2
  // True when the header names the client: source and destination are set.
  // False for v1 UNKNOWN, v2 LOCAL (the proxy's own health checks) and v2
  // families or transports ackd does not take from a header: the
  // connection's own endpoints stand, as the spec says.
  bool proxied = false;
  SocketAddress source;       // the client
  SocketAddress destination;  // the address the client connected to
  // v2 PP2_TYPE_UNIQUE_ID, raw bytes, in the bytes parsed (copy it before
  // they go); empty if none.
  std::string_view unique_id;
  size_t length = 0;  // bytes of the header: the stream's data follows
};

enum class ProxyParseStatus {
  kNeedMore,  // a valid beginning: read more (within the listener's timeout)
  kDone,      // a complete, valid header: see `header`
  kError,     // never a valid header: see `error`
};

// Parses the header at the start of `received` (everything read from the
// connection so far; bytes past the header are left alone) into `header`,
// the caller's own (a stream's: per connection, nothing is copied); on
// kError, `error` says why, in a few words of printable ASCII. With kOff
// every input is an error: nothing is ever sniffed.
ProxyParseStatus parse_proxy_header(std::string_view received, ProxyProtocol accepted,
                                    ProxyHeader& header, std::string& error);

// The same as one value, for tests and the fuzzer.
struct ProxyParseResult {
  ProxyParseStatus status = ProxyParseStatus::kNeedMore;
  ProxyHeader header;  // kDone
  std::string error;   // kError
};
ProxyParseResult parse_proxy_header(std::string_view received, ProxyProtocol accepted);

}  // namespace ackd

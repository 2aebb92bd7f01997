#include "daemon/transport/proxy_header.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "daemon/transport/proxy_v1.h"
#include "daemon/transport/proxy_v2.h"

namespace ackd {
namespace {

// `received` is a beginning of `expected`, or holds all of it.
bool starts_like(std::string_view received, std::string_view expected) {
  size_t n = std::min(received.size(), expected.size());
  return std::memcmp(received.data(), expected.data(), n) == 0;
}

ProxyParseStatus fail(std::string& error, std::string why) {
  error = std::move(why);
  return ProxyParseStatus::kError;
}

bool accepts(ProxyProtocol accepted, int version) {
  if (accepted == ProxyProtocol::kAny) return true;
  return accepted == (version == 1 ? ProxyProtocol::kV1 : ProxyProtocol::kV2);
}

}  // namespace

std::string_view to_string(ProxyProtocol protocol) {
  switch (protocol) {
    case ProxyProtocol::kOff:
      return "off";
    case ProxyProtocol::kV1:
      return "v1";
    case ProxyProtocol::kV2:
      return "v2";
    case ProxyProtocol::kAny:
      return "any";
  }
  return "?";
}

ProxyProtocol parse_proxy_protocol(std::string_view text) {
  for (ProxyProtocol p :
       {ProxyProtocol::kOff, ProxyProtocol::kV1, ProxyProtocol::kV2, ProxyProtocol::kAny}) {
    if (text == to_string(p)) return p;
  }
  throw std::invalid_argument("unknown proxy_protocol \"" + std::string(text) +
                              "\" (expected off, v1, v2 or any)");
}

ProxyParseStatus parse_proxy_header(std::string_view received, ProxyProtocol accepted,
                                    ProxyHeader& header, std::string& error) {
  if (accepted == ProxyProtocol::kOff) return fail(error, "the listener expects no PROXY header");
  if (received.empty()) return ProxyParseStatus::kNeedMore;
  // The first byte tells the versions apart: CR (v2) or 'P' (v1).
  int version = 0;
  if (starts_like(received, kProxyV2Signature)) {
    version = 2;
  } else if (starts_like(received, kProxyV1Prefix)) {
    version = 1;
  } else {
    return fail(error, std::string("no PROXY header (the connection must begin with one: ") +
                           (accepted == ProxyProtocol::kAny ? "v1 or v2"
                                                            : std::string(to_string(accepted))) +
                           ")");
  }
  if (!accepts(accepted, version)) {
    return fail(error, "begins like a PROXY v" + std::to_string(version) +
                           " header, but the listener takes " + std::string(to_string(accepted)) +
                           " only");
  }
  return version == 1 ? parse_proxy_v1(received, header, error)
                      : parse_proxy_v2(received, header, error);
}

ProxyParseResult parse_proxy_header(std::string_view received, ProxyProtocol accepted) {
  ProxyParseResult result;
  result.status = parse_proxy_header(received, accepted, result.header, result.error);
  return result;
}

}  // namespace ackd

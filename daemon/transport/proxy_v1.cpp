#include "daemon/transport/proxy_v1.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

namespace ackd {
namespace {

ProxyParseStatus fail(std::string& error, std::string why) {
  error = "PROXY v1: " + std::move(why);
  return ProxyParseStatus::kError;
}

// A token for a message: printable already (checked), but kept short.
std::string quoted(std::string_view token) {
  constexpr size_t kShown = 24;
  return "\"" + std::string(token.substr(0, kShown)) + (token.size() > kShown ? "...\"" : "\"");
}

// Splits on single spaces; nullopt if two are adjacent or one is at an end.
std::optional<std::vector<std::string_view>> split(std::string_view text) {
  std::vector<std::string_view> tokens;
  while (true) {
    size_t space = text.find(' ');
    std::string_view token = text.substr(0, space);
    if (token.empty()) return std::nullopt;
    tokens.push_back(token);
    if (space == std::string_view::npos) return tokens;
    text.remove_prefix(space + 1);
  }
}

// 0 to 65535 in decimal, with no leading zero (the spec forbids them).
std::optional<uint16_t> parse_port(std::string_view text) {
  uint16_t port = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  return port;
}

// A numeric address of `family` (inet_pton: IPv4 dotted quads without
// leading zeros, IPv6 in any of its textual forms).
std::optional<SocketAddress> parse_address(int family, std::string_view host, uint16_t port) {
  if (host.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(host);
  SocketAddress address;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    if (inet_pton(AF_INET, text.c_str(), &in->sin_addr) != 1) return std::nullopt;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    address.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    if (inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr) != 1) return std::nullopt;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    address.length = sizeof(sockaddr_in6);
  }
  return address;
}

// "TCP4 src dst sport dport" (or TCP6), after "PROXY ".
ProxyParseStatus parse_inet(std::string_view rest, ProxyHeader& header, std::string& error) {
  std::optional<std::vector<std::string_view>> tokens = split(rest);
  if (!tokens) return fail(error, "fields must be separated by exactly one space");
  if (tokens->size() != 5) return fail(error, "expected \"PROXY TCP4|TCP6 src dst sport dport\"");
  const std::vector<std::string_view>& t = *tokens;
  int family = t[0] == "TCP4" ? AF_INET : AF_INET6;
  std::optional<uint16_t> source_port = parse_port(t[3]);
  std::optional<uint16_t> destination_port = parse_port(t[4]);
  if (!source_port) return fail(error, "bad source port " + quoted(t[3]));
  if (!destination_port) return fail(error, "bad destination port " + quoted(t[4]));
  std::optional<SocketAddress> source = parse_address(family, t[1], *source_port);
  std::optional<SocketAddress> destination = parse_address(family, t[2], *destination_port);
  const char* kind = family == AF_INET ? " (expected an IPv4 address)" : " (expected IPv6)";
  if (!source) return fail(error, "bad source address " + quoted(t[1]) + kind);
  if (!destination) return fail(error, "bad destination address " + quoted(t[2]) + kind);
  header.proxied = true;
  header.source = *source;
  header.destination = *destination;
  return ProxyParseStatus::kDone;
}

// The line without its CRLF; `length` counts the CRLF. It begins with
// "PROXY " (parse_proxy_header checked the first 6 bytes, CR included).
ProxyParseStatus parse_line(std::string_view line, size_t length, ProxyHeader& header,
                            std::string& error) {
  std::string_view rest = line.substr(kProxyV1Prefix.size());
  std::string_view protocol = rest.substr(0, rest.find(' '));
  header.version = 1;
  header.proxied = false;
  header.unique_id = {};
  header.length = length;
  if (protocol == "UNKNOWN") return ProxyParseStatus::kDone;  // the rest is to be ignored
  if (protocol == "TCP4" || protocol == "TCP6") return parse_inet(rest, header, error);
  return fail(error, "unknown protocol " + quoted(protocol) + " (expected TCP4, TCP6 or UNKNOWN)");
}

}  // namespace

ProxyParseStatus parse_proxy_v1(std::string_view received, ProxyHeader& header,
                                std::string& error) {
  size_t scan = std::min(received.size(), kProxyV1MaxLine);
  for (size_t i = 0; i < scan; ++i) {
    auto c = static_cast<unsigned char>(received[i]);
    if (c == '\r') {
      if (i + 2 > kProxyV1MaxLine) break;  // its LF would be byte 108
      if (i + 1 == received.size()) return ProxyParseStatus::kNeedMore;
      if (received[i + 1] != '\n') return fail(error, "a CR not followed by LF");
      return parse_line(received.substr(0, i), i + 2, header, error);
    }
    if (c == '\n') return fail(error, "a LF without its CR");
    if (c < 0x20 || c > 0x7e) return fail(error, "a byte that is not printable US-ASCII");
  }
  if (received.size() >= kProxyV1MaxLine) return fail(error, "no CRLF within 107 bytes");
  return ProxyParseStatus::kNeedMore;
}

}  // namespace ackd

#include "client/proxy_preamble.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

#include "common/endpoint.h"

namespace ackd::client {
namespace {

constexpr std::string_view kSignature{"\r\n\r\n\0\r\nQUIT\n", 12};

// An inet address as IPv6, an IPv4 one mapped (::ffff:a.b.c.d).
sockaddr_in6 as_ipv6(const SocketAddress& address) {
  if (address.family() == AF_INET6) return *reinterpret_cast<const sockaddr_in6*>(&address.storage);
  const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = in->sin_port;
  in6.sin6_addr.s6_addr[10] = 0xff;
  in6.sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&in6.sin6_addr.s6_addr[12], &in->sin_addr, 4);
  return in6;
}

SocketAddress unspecified(int family) {
  SocketAddress address;
  address.storage.ss_family = static_cast<sa_family_t>(family);
  address.length = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  return address;
}

std::string text_of(int family, const void* bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes, text, sizeof(text));
  return text;
}

std::string v1(const SocketAddress& source, const SocketAddress& destination) {
  if (source.family() == AF_INET && destination.family() == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&source.storage);
    const auto* d = reinterpret_cast<const sockaddr_in*>(&destination.storage);
    return "PROXY TCP4 " + text_of(AF_INET, &s->sin_addr) + " " + text_of(AF_INET, &d->sin_addr) +
           " " + std::to_string(ntohs(s->sin_port)) + " " + std::to_string(ntohs(d->sin_port)) +
           "\r\n";
  }
  sockaddr_in6 s = as_ipv6(source), d = as_ipv6(destination);
  return "PROXY TCP6 " + text_of(AF_INET6, &s.sin6_addr) + " " + text_of(AF_INET6, &d.sin6_addr) +
         " " + std::to_string(ntohs(s.sin6_port)) + " " + std::to_string(ntohs(d.sin6_port)) +
         "\r\n";
}

void append(std::string& out, const void* bytes, size_t size) {
  out.append(static_cast<const char*>(bytes), size);
}

std::string v2(const SocketAddress& source, const SocketAddress& destination) {
  std::string out(kSignature);
  out += '\x21';  // version 2, PROXY
  std::string block;
  if (source.family() == AF_INET && destination.family() == AF_INET) {
    out += '\x11';  // TCP over IPv4
    const auto* s = reinterpret_cast<const sockaddr_in*>(&source.storage);
    const auto* d = reinterpret_cast<const sockaddr_in*>(&destination.storage);
    append(block, &s->sin_addr, 4);
    append(block, &d->sin_addr, 4);
    append(block, &s->sin_port, 2);
    append(block, &d->sin_port, 2);
  } else {
    out += '\x21';  // TCP over IPv6
    sockaddr_in6 s = as_ipv6(source), d = as_ipv6(destination);
    append(block, &s.sin6_addr, 16);
    append(block, &d.sin6_addr, 16);
    append(block, &s.sin6_port, 2);
    append(block, &d.sin6_port, 2);
  }
  out += static_cast<char>(block.size() >> 8);
  out += static_cast<char>(block.size() & 0xff);
  return out + block;
}

}  // namespace

std::string ProxyPreamble::header_for(const SocketAddress& destination) const {
  if (!enabled()) return "";
  bool inet = destination.family() == AF_INET || destination.family() == AF_INET6;
  const SocketAddress& to = inet ? destination : unspecified(source.family());
  return version == ProxyVersion::kV1 ? v1(source, to) : v2(source, to);
}

ProxyPreamble make_proxy_preamble(bool v1, bool v2, const std::string& source, bool datagram) {
  ProxyPreamble preamble;
  if (!v1 && !v2) {
    if (!source.empty())
      throw std::invalid_argument("--proxy-source needs --proxy-v1 or --proxy-v2");
    return preamble;
  }
  if (v1 && v2) throw std::invalid_argument("give --proxy-v1 or --proxy-v2, not both");
  if (datagram) {
    throw std::invalid_argument("--proxy-v1 and --proxy-v2 are for streams (TCP or a unix stream)");
  }
  if (source.empty()) {
    throw std::invalid_argument(std::string(v1 ? "--proxy-v1" : "--proxy-v2") +
                                " needs --proxy-source ADDR:PORT, the client it announces");
  }
  try {
    preamble.source = parse_proxy_source(source);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--proxy-source: ") + e.what());
  }
  preamble.version = v1 ? ProxyVersion::kV1 : ProxyVersion::kV2;
  return preamble;
}

SocketAddress parse_proxy_source(std::string_view text) {
  Endpoint endpoint = parse_endpoint(text);  // throws with its own sentence
  SocketAddress address;
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (inet_pton(AF_INET, endpoint.host.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(endpoint.port);
    address.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, endpoint.host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(endpoint.port);
    address.length = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("\"" + std::string(text) +
                                "\": the source must be a numeric address and port, like "
                                "192.0.2.1:4000 or [2001:db8::1]:4000");
  }
  return address;
}

}  // namespace ackd::client

#include "common/endpoint.h"

#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <memory>

namespace ackd {

std::string Endpoint::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

uint16_t parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    throw std::invalid_argument("port \"" + std::string(text) +
                                "\" is not a number from 1 to 65535");
  }
  return static_cast<uint16_t>(value);
}

std::string parse_host(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  return std::string(text);
}

Endpoint parse_endpoint(std::string_view text) {
  Endpoint endpoint;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("\"" + std::string(text) + "\" is not of the form [v6]:port");
    }
    endpoint.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      throw std::invalid_argument("\"" + std::string(text) + "\" has no port (host:port)");
    }
    endpoint.host = std::string(text.substr(0, colon));
    if (endpoint.host.find(':') != std::string::npos) {
      throw std::invalid_argument("IPv6 address in \"" + std::string(text) +
                                  "\" must be in brackets: [v6]:port");
    }
    port = text.substr(colon + 1);
  }
  if (endpoint.host.empty()) {
    throw std::invalid_argument("\"" + std::string(text) + "\" has no host");
  }
  endpoint.port = parse_port(port);
  return endpoint;
}

std::vector<SocketAddress> resolve(const Endpoint& endpoint, int socktype, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* list = nullptr;
  std::string service = std::to_string(endpoint.port);
  int rc = getaddrinfo(endpoint.host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    bool unknown = rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL;
    std::string reason = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    throw ResolveError("cannot resolve \"" + endpoint.host + "\": " + reason, unknown);
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(list, freeaddrinfo);
  std::vector<SocketAddress> result;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    SocketAddress address;
    std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
    address.length = ai->ai_addrlen;
    result.push_back(address);
  }
  if (result.empty()) throw ResolveError("\"" + endpoint.host + "\" has no address", true);
  return result;
}

}  // namespace ackd

// Endpoint: an inet address as users write it ("host:port", "[v6]:port",
// "name:port"), parsed and resolved. Errors are std::invalid_argument
// (syntax) or ResolveError (the name does not resolve).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/socket_address.h"

namespace ackd {

struct Endpoint {
  std::string host;  // without brackets
  uint16_t port = 0;

  std::string to_string() const;  // brackets around IPv6 literals
};

// Parses "host:port" or "[v6]:port". Throws std::invalid_argument with a
// sentence saying what is wrong.
Endpoint parse_endpoint(std::string_view text);

// Parses a port number 1..65535; throws std::invalid_argument.
uint16_t parse_port(std::string_view text);

// A HOST given on its own, as users may write an IPv6 literal: "[::1]" is
// "::1"; other text is returned as it is.
std::string parse_host(std::string_view text);

class ResolveError : public std::runtime_error {
 public:
  ResolveError(const std::string& what, bool unknown_host)
      : std::runtime_error(what), unknown_host_(unknown_host) {}
  bool unknown_host() const { return unknown_host_; }

 private:
  bool unknown_host_;
};

// Resolves with getaddrinfo for sockets of `socktype` (SOCK_STREAM or
// SOCK_DGRAM); `passive` for addresses to bind. Never returns an empty list.
std::vector<SocketAddress> resolve(const Endpoint& endpoint, int socktype, bool passive);

}  // namespace ackd

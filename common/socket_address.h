// SocketAddress: any socket address (IPv4, IPv6, unix) as a value, printable
// for logs ("127.0.0.1:51717", "[::1]:51717", "unix:/run/ackd/ackd.sock").
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace ackd {

struct SocketAddress {
  sockaddr_storage storage;
  socklen_t length = sizeof(sockaddr_storage);

  SocketAddress() : storage{} {}
  // Not zeroed (128 bytes): for a field that a parser fills before anyone
  // reads it, made per connection (a PROXY header's addresses).
  struct Unset {};
  explicit SocketAddress(Unset /*unset*/) {}  // NOLINT(cppcoreguidelines-pro-type-member-init)

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }

  // A unix-domain address for a filesystem path; throws std::invalid_argument
  // if the path does not fit in sun_path.
  static SocketAddress unix_path(std::string_view path);

  // True for a unix-domain address that names nobody (an unbound sender).
  bool is_unnamed_unix() const;

  // "127.0.0.1:80", "[::1]:80", "unix:/path", "unix:@abstract", "unix:(unnamed)":
  // to_string() escapes a unix path for logs and messages (escape_for_log);
  // to_raw_string() keeps its bytes as they are (the spool stores them).
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, an IPv4 client of a
  // dual-stack listener) reads "a.b.c.d:port".
  std::string to_string() const;
  std::string to_raw_string() const;
};

}  // namespace ackd

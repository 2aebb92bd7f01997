#include "common/socket_address.h"

#include "common/escape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace ackd {

SocketAddress SocketAddress::unix_path(std::string_view path) {
  SocketAddress address;
  auto* sun = reinterpret_cast<sockaddr_un*>(&address.storage);
  if (path.empty() || path.size() >= sizeof(sun->sun_path)) {
    throw std::invalid_argument("unix socket path must be 1 to " +
                                std::to_string(sizeof(sun->sun_path) - 1) + " bytes long");
  }
  sun->sun_family = AF_UNIX;
  std::memcpy(sun->sun_path, path.data(), path.size());
  address.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return address;
}

bool SocketAddress::is_unnamed_unix() const {
  return family() == AF_UNIX && length <= offsetof(sockaddr_un, sun_path);
}

std::string SocketAddress::to_string() const {
  // Only a unix path can hold bytes to escape.
  return family() == AF_UNIX ? escape_for_log(to_raw_string()) : to_raw_string();
}

std::string SocketAddress::to_raw_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  switch (family()) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
      if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
        // An IPv4 client of a dual-stack listener: named as the IPv4 address it is.
        inet_ntop(AF_INET, in6->sin6_addr.s6_addr + 12, text, sizeof(text));
        return std::string(text) + ":" + std::to_string(ntohs(in6->sin6_port));
      }
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
      // Appended, not "[" + ...: GCC 12 at -O3 warns falsely (-Wrestrict) on that.
      std::string out = "[";
      out.append(text).append("]:").append(std::to_string(ntohs(in6->sin6_port)));
      return out;
    }
    case AF_UNIX: {
      if (is_unnamed_unix()) return "unix:(unnamed)";
      const auto* sun = reinterpret_cast<const sockaddr_un*>(&storage);
      size_t size = length - offsetof(sockaddr_un, sun_path);
      if (sun->sun_path[0] == '\0') {  // abstract namespace: not NUL-terminated
        return "unix:@" + std::string(sun->sun_path + 1, size - 1);
      }
      return "unix:" + std::string(sun->sun_path, strnlen(sun->sun_path, size));
    }
    default:
      return "(family " + std::to_string(family()) + ")";
  }
}

}  // namespace ackd

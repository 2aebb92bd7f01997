#include "daemon/master/notify.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"

namespace ackd {

int notify(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return 0;
  size_t length = std::strlen(path);
  sockaddr_un address{};
  if ((path[0] != '/' && path[0] != '@') || length >= sizeof(address.sun_path)) return -EINVAL;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  socklen_t address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return -errno;
  // MSG_DONTWAIT: a manager that does not read must never block the master.
  ssize_t sent = sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                        reinterpret_cast<sockaddr*>(&address), address_length);
  return sent < 0 ? -errno : 1;
}

}  // namespace ackd

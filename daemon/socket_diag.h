// Which file a bound unix socket lives at, as the kernel knows it: the
// NETLINK_SOCK_DIAG query ss(8) makes (UDIAG_SHOW_VFS). The master compares
// it with the file it finds at the listener's path before it chmods, chowns
// or removes that file, so the file cannot have been swapped for another.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>

namespace ackd {

struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;  // the kernel reports 32 bits of it: compared on those

  bool known() const { return ino != 0; }
  bool same_as(const struct stat& st) const;
  static FileIdentity of(const struct stat& st) { return {st.st_dev, st.st_ino}; }
};

// The file `socket_fd` is bound to, or nullopt when the kernel cannot say
// (an unbound or abstract socket, or no unix_diag support).
std::optional<FileIdentity> bound_socket_file(int socket_fd);

}  // namespace ackd

#include "daemon/unix_socket_file.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/socket_address.h"
#include "common/syscall.h"
#include "daemon/safe_path.h"
#include "daemon/socket_diag.h"

namespace ackd {
namespace {

FileOwner wanted_owner(const ListenerConfig& config, gid_t default_group) {
  FileOwner owner{kUnchangedUid, default_group};
  if (!config.owner.empty()) {
    passwd* pw = getpwnam(config.owner.c_str());
    if (pw == nullptr) throw std::runtime_error("owner: no such user \"" + config.owner + "\"");
    owner.uid = pw->pw_uid;
  }
  if (!config.group.empty()) {
    group* gr = getgrnam(config.group.c_str());
    if (gr == nullptr) throw std::runtime_error("group: no such group \"" + config.group + "\"");
    owner.gid = gr->gr_gid;
  }
  return owner;
}

// The socket's directory (made if missing, one level, as before) and name.
PathEntry socket_entry(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) make_directory(path.substr(0, slash), 0755);
  return open_parent(path, /*follow_last_link=*/false);
}

UniqueFd probe_socket(const ListenerConfig& config) {
  int type = is_stream(config.protocol) ? SOCK_STREAM : SOCK_DGRAM;
  UniqueFd fd(socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", config.describe() + " (probe)");
  return fd;
}

// A socket file already there: stale (nobody answers) is removed, live is
// an error. The probe connects through the file we looked at, not the name.
void clear_stale_socket(const PathEntry& entry, const ListenerConfig& config) {
  struct stat st {};
  if (fstatat(entry.directory.get(), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat", config.describe());
  }
  UniqueFd file = open_entry(entry);
  if (fstat(file.get(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    throw std::system_error(
        EEXIST, std::generic_category(),
        "bind(" + config.describe() + "): a file that is not a socket is there");
  }
  UniqueFd probe = probe_socket(config);
  SocketAddress by_fd = SocketAddress::unix_path("/proc/self/fd/" + std::to_string(file.get()));
  if (connect(probe.get(), by_fd.get(), by_fd.length) == 0 || errno == EAGAIN) {
    throw std::system_error(EADDRINUSE, std::generic_category(),
                            "bind(" + config.describe() + "): a running daemon answers there");
  }
  if (errno != ECONNREFUSED) throw_errno("connect", config.describe() + " (probe)");
  if (unlinkat(entry.directory.get(), entry.name.c_str(), 0) != 0 && errno != ENOENT) {
    throw_errno("unlink", config.describe() + " (stale socket)");
  }
}

// Binds with a umask that leaves the file 0600, and with the group it
// will keep as our filesystem gid, so that it is born with it: no chown
// (a call the packaged unit's seccomp filter refuses) when none is asked.
void bind_owned_by(int fd, const ListenerConfig& config, gid_t group) {
  SocketAddress address = SocketAddress::unix_path(config.path);
  mode_t old_umask = umask(0177);
  bool set_group = group != kUnchangedGid && group != getegid();
  gid_t old_fsgid = set_group ? static_cast<gid_t>(setfsgid(group)) : 0;
  int rc = bind(fd, address.get(), address.length);
  int bind_errno = errno;
  if (set_group) setfsgid(old_fsgid);
  umask(old_umask);
  if (rc != 0) throw_errno("bind", config.describe(), bind_errno);
}

// Which file the socket was bound to: the kernel says. Without sock_diag,
// the file at the name is ours only if no one else can replace it there.
FileIdentity bound_file(int fd, const PathEntry& entry) {
  if (std::optional<FileIdentity> identity = bound_socket_file(fd)) return *identity;
  struct stat st {};
  if (others_cannot_replace_ours(entry.directory.get()) &&
      fstatat(entry.directory.get(), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISSOCK(st.st_mode)) {
    return FileIdentity::of(st);
  }
  return {};
}

void set_attributes(const PathEntry& entry, const ListenerConfig& config, FileIdentity ours,
                    FileOwner owner) {
  UniqueFd file(openat(entry.directory.get(), entry.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!ours.known() || !file || fstat(file.get(), &st) != 0 || !S_ISSOCK(st.st_mode) ||
      !ours.same_as(st)) {
    throw std::system_error(EPERM, std::generic_category(),
                            config.path + " is not the socket ackd bound" +
                                (ours.known() ? " (replaced since)" : " (it cannot tell)") +
                                ": not changing its owner or mode");
  }
  change_owner(file.get(), owner, config.path);
  change_mode(file.get(), config.mode, config.path);
}

}  // namespace

FileIdentity bind_socket_file(int fd, const ListenerConfig& config, gid_t default_group) {
  FileOwner owner = wanted_owner(config, default_group);
  PathEntry entry = socket_entry(config.path);
  clear_stale_socket(entry, config);
  bind_owned_by(fd, config, owner.gid);
  FileIdentity identity = bound_file(fd, entry);
  try {
    set_attributes(entry, config, identity, owner);
  } catch (...) {
    remove_socket_file(config.path, identity);  // a listener that failed leaves no file
    throw;
  }
  return identity;
}

void apply_socket_file_attributes(const ListenerConfig& config, FileIdentity ours,
                                  gid_t default_group) {
  FileOwner owner = wanted_owner(config, default_group);
  set_attributes(open_parent(config.path, /*follow_last_link=*/false), config, ours, owner);
}

FileIdentity identify_socket_file(int fd, const std::string& path) {
  try {
    return bound_file(fd, open_parent(path, /*follow_last_link=*/false));
  } catch (const std::exception&) {
    return {};  // unknown: never changed nor removed
  }
}

void remove_socket_file(const std::string& path, FileIdentity ours) {
  if (!ours.known()) return;
  try {
    PathEntry entry = open_parent(path, /*follow_last_link=*/false);
    struct stat st {};
    if (fstatat(entry.directory.get(), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        ours.same_as(st)) {
      unlinkat(entry.directory.get(), entry.name.c_str(), 0);
    }
  } catch (const std::exception&) {
    // At exit: a path that cannot be resolved safely is left alone.
  }
}

}  // namespace ackd

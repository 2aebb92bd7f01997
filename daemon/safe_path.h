// Safe paths: how the root master creates, opens, chowns and chmods files
// in directories another user may write (STYLE.md habit 13). A path is
// resolved one component at a time with openat() from directory fds, and a
// symbolic link is followed only if root (or this process's own user) owns
// it and it has one link, as Postfix's safe_open() trusts them: the
// workers' user, who can write /var/lib/ackd, cannot send the master
// elsewhere. What is then created, chowned or chmodded is what was opened
// (O_NOFOLLOW; fchown, fchmod, or /proc/self/fd/N for an O_PATH fd, as
// systemd does). Failures throw std::system_error naming the call, the
// path and why ("open(/var/lib/ackd/spool): not following a symbolic link
// owned by uid 107").
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

#include "common/unique_fd.h"

namespace ackd {

inline constexpr uid_t kUnchangedUid = static_cast<uid_t>(-1);
inline constexpr gid_t kUnchangedGid = static_cast<gid_t>(-1);

struct FileOwner {
  uid_t uid = kUnchangedUid;
  gid_t gid = kUnchangedGid;
};

// The last component of a path, and the directory it is in, held open.
struct PathEntry {
  UniqueFd directory;  // O_PATH
  std::string name;    // one component: never empty, "." or ".."
  std::string path;    // the whole path, for messages
};

// Resolves every directory of `path`, and a trusted link in its last
// component if `follow_last_link`; the entry `name` then does not exist or
// is not a symbolic link. Without it, `name` is the last component as is
// (for a socket: bind() never follows a link there).
PathEntry open_parent(const std::string& path, bool follow_last_link = true);

// The entry itself (O_PATH | O_NOFOLLOW): a link is opened as a link.
// Throws ENOENT if it is missing.
UniqueFd open_entry(const PathEntry& entry);

// Creates the directory at `path` (`mode`) if it is missing, opens it
// (O_PATH) and gives it to `owner`. Throws if it is not a directory.
UniqueFd make_directory(const std::string& path, mode_t mode, FileOwner owner = {});

// Opens `path` to append to it, created with `mode` if missing: a regular
// file with a single link (never a link, a FIFO or a device).
UniqueFd open_for_append(const std::string& path, mode_t mode);

// Creates the file `name` of `directory` anew (O_EXCL), with `mode`, to
// read and write it; what was there (a file, a link) is removed first,
// never followed. `path` is for messages.
UniqueFd create_file(int directory, const std::string& name, mode_t mode, const std::string& path);

// Gives the file open as `fd` (O_PATH or not) to `owner`, if it is not
// already its. `path` is for messages.
void change_owner(int fd, FileOwner owner, const std::string& path);

// Sets the mode of the file open as `fd` (O_PATH or not), if it differs.
void change_mode(int fd, mode_t mode, const std::string& path);

// True if no other user can remove or rename our entries of the directory:
// it is root's (or ours) and writable by no one else, or sticky (as /tmp).
bool others_cannot_replace_ours(int directory);

}  // namespace ackd

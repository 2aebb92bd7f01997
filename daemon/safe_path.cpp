#include "daemon/safe_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <deque>
#include <string_view>
#include <system_error>

#include "common/syscall.h"

namespace ackd {
namespace {

constexpr int kMaxLinks = 40;  // as the kernel's MAXSYMLINKS

[[noreturn]] void refuse(const std::string& call, const std::string& path, const std::string& why,
                         int error = EPERM) {
  throw std::system_error(error, std::generic_category(), call + "(" + path + "): " + why);
}

// A link we may follow: nobody but root (or we) could have made it point
// where it points, and it is not another directory's link hard-linked here.
bool trusted_link(const struct stat& st) {
  return (st.st_uid == 0 || st.st_uid == geteuid()) && st.st_nlink == 1;
}

std::deque<std::string> components(std::string_view path) {
  std::deque<std::string> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return parts;
}

UniqueFd open_start(bool absolute, const std::string& path) {
  UniqueFd fd(open(absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open", path);
  return fd;
}

std::string read_link(int fd, const std::string& path) {
  char target[PATH_MAX];
  ssize_t n = readlinkat(fd, "", target, sizeof(target));
  if (n < 0) throw_errno("readlink", path);
  if (n == 0 || static_cast<size_t>(n) == sizeof(target))
    refuse("readlink", path, "bad link", EINVAL);
  return std::string(target, static_cast<size_t>(n));
}

// Why `name` in `directory` could not be opened to append: a link (which
// O_NOFOLLOW refuses) or a FIFO (O_NONBLOCK), said plainly.
[[noreturn]] void explain_open_failure(int directory, const std::string& name,
                                       const std::string& path, int error) {
  struct stat st {};
  if ((error == ELOOP || error == ENXIO) &&
      fstatat(directory, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) refuse("open", path, "a symbolic link, not followed");
    refuse("open", path, "not a regular file");
  }
  throw_errno("open", path, error);
}

void expect_single_regular_file(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) throw_errno("fstat", path);
  if (!S_ISREG(st.st_mode)) refuse("open", path, "not a regular file");
  if (st.st_nlink != 1) {
    refuse("open", path, "a file with " + std::to_string(st.st_nlink) + " hard links");
  }
}

}  // namespace

// One openat() walk, step by step: long, but read top to bottom.
// NOLINTNEXTLINE(readability-function-cognitive-complexity)
PathEntry open_parent(const std::string& path, bool follow_last_link) {
  std::deque<std::string> rest = components(path);
  if (rest.empty()) refuse("open", path, "no file name", EINVAL);
  UniqueFd directory = open_start(path[0] == '/', path);
  std::string walked = path[0] == '/' ? "" : ".";
  int links = 0;
  while (true) {
    std::string name = std::move(rest.front());
    rest.pop_front();
    walked += "/" + name;
    bool last = rest.empty();
    if (name == "..") {
      if (last) refuse("open", path, "no file name", EINVAL);
      directory.reset(openat(directory.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!directory) throw_errno("open", walked);
      continue;
    }
    UniqueFd fd(openat(directory.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno == ENOENT && last) return {std::move(directory), name, path};
    if (!fd) throw_errno("open", walked);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) throw_errno("fstat", walked);
    if (S_ISLNK(st.st_mode) && (!last || follow_last_link)) {
      if (!trusted_link(st)) {
        refuse("open", path,
               (last ? std::string("a") : walked + " is a") + " symbolic link owned by uid " +
                   std::to_string(st.st_uid) +
                   (st.st_nlink != 1 ? " with " + std::to_string(st.st_nlink) + " links" : "") +
                   ", not followed");
      }
      if (++links > kMaxLinks) throw_errno("open", path, ELOOP);
      std::string target = read_link(fd.get(), walked);
      std::deque<std::string> more = components(target);
      rest.insert(rest.begin(), more.begin(), more.end());
      if (target[0] == '/') directory = open_start(true, path);
      if (rest.empty()) refuse("open", path, "no file name", EINVAL);
      continue;
    }
    if (last) return {std::move(directory), name, path};
    if (!S_ISDIR(st.st_mode)) throw_errno("open", walked, ENOTDIR);
    directory = std::move(fd);
  }
}

UniqueFd open_entry(const PathEntry& entry) {
  UniqueFd fd(openat(entry.directory.get(), entry.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open", entry.path);
  return fd;
}

UniqueFd make_directory(const std::string& path, mode_t mode, FileOwner owner) {
  PathEntry entry = open_parent(path);
  int directory = entry.directory.get();
  if (mkdirat(directory, entry.name.c_str(), mode) != 0 && errno != EEXIST) {
    throw_errno("mkdir", path);
  }
  UniqueFd fd(openat(directory, entry.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open", path);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw_errno("fstat", path);
  if (S_ISLNK(st.st_mode)) refuse("open", path, "a symbolic link, not followed");
  if (!S_ISDIR(st.st_mode)) refuse("open", path, "not a directory", ENOTDIR);
  change_owner(fd.get(), owner, path);
  return fd;
}

UniqueFd open_for_append(const std::string& path, mode_t mode) {
  PathEntry entry = open_parent(path);
  // O_NONBLOCK: a FIFO put there must not hang us in open().
  UniqueFd fd(openat(entry.directory.get(), entry.name.c_str(),
                     O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                     mode));
  if (!fd) explain_open_failure(entry.directory.get(), entry.name, path, errno);
  expect_single_regular_file(fd.get(), path);
  int flags = fcntl(fd.get(), F_GETFL);
  if (flags < 0 || fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) throw_errno("fcntl", path);
  return fd;
}

UniqueFd create_file(int directory, const std::string& name, mode_t mode, const std::string& path) {
  constexpr int kFlags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(openat(directory, name.c_str(), kFlags, mode));
  if (!fd && errno == EEXIST) {
    // A file left by a crash, or a link planted there: removed, never followed.
    if (unlinkat(directory, name.c_str(), 0) != 0) throw_errno("unlink", path);
    fd.reset(openat(directory, name.c_str(), kFlags, mode));
  }
  if (!fd) throw_errno("open", path);
  return fd;
}

void change_owner(int fd, FileOwner owner, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) throw_errno("fstat", path);
  bool uid_right = owner.uid == kUnchangedUid || st.st_uid == owner.uid;
  bool gid_right = owner.gid == kUnchangedGid || st.st_gid == owner.gid;
  if (uid_right && gid_right) return;  // no call at all: chown may be filtered (seccomp)
  if (fchownat(fd, "", owner.uid, owner.gid, AT_EMPTY_PATH) != 0) throw_errno("chown", path);
}

void change_mode(int fd, mode_t mode, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) throw_errno("fstat", path);
  if ((st.st_mode & 07777) == mode) return;
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_PATH) == 0) {
    if (fchmod(fd, mode) != 0) throw_errno("chmod", path);
    return;
  }
  // fchmod() refuses an O_PATH fd; the fd's /proc link names the very file.
  std::string by_fd = "/proc/self/fd/" + std::to_string(fd);
  if (chmod(by_fd.c_str(), mode) != 0) throw_errno("chmod", path + " (through " + by_fd + ")");
}

bool others_cannot_replace_ours(int directory) {
  struct stat st {};
  if (fstat(directory, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  bool ours = st.st_uid == 0 || st.st_uid == geteuid();
  return ours && ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0 || (st.st_mode & S_ISVTX) != 0);
}

}  // namespace ackd

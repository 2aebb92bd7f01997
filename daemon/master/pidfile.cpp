#include "daemon/master/pidfile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "common/syscall.h"
#include "daemon/safe_path.h"

namespace ackd {
namespace {

pid_t holder(int fd) {
  char text[32] = {};
  ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
  return n > 0 ? static_cast<pid_t>(std::atol(text)) : 0;
}

[[noreturn]] void already_running(const std::string& path, int fd) {
  throw std::runtime_error("ackd is already running (pid " + std::to_string(holder(fd)) +
                           "): pidfile " + path + " is locked");
}

// The entry at `path` if it is the file open as `fd` (the path resolved
// safely, its last component not followed); never throws.
std::optional<PathEntry> entry_of(int fd, const std::string& path) {
  try {
    PathEntry entry = open_parent(path);
    struct stat a {};
    struct stat b {};
    if (fstat(fd, &a) == 0 &&
        fstatat(entry.directory.get(), entry.name.c_str(), &b, AT_SYMLINK_NOFOLLOW) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      return entry;
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

// The directory is resolved with safe_path and every file is named from
// it, never followed: it may be writable by another user, who knows the
// temporary file's name in advance.
PidFile::PidFile(std::string path, pid_t predecessor) : path_(std::move(path)) {
  PathEntry entry = open_parent(path_);
  int directory = entry.directory.get();
  UniqueFd existing(
      openat(directory, entry.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (existing && flock(existing.get(), LOCK_EX | LOCK_NB) != 0 &&
      (predecessor == 0 || holder(existing.get()) != predecessor)) {
    already_running(path_, existing.get());
  }
  std::string temporary = entry.name + ".tmp." + std::to_string(getpid());
  fd_ = create_file(directory, temporary, 0644, path_ + ".tmp." + std::to_string(getpid()));
  std::string text = std::to_string(getpid()) + "\n";
  bool written = write(fd_.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (!written || flock(fd_.get(), LOCK_EX | LOCK_NB) != 0 ||
      renameat(directory, temporary.c_str(), directory, entry.name.c_str()) != 0) {
    int error = errno;
    unlinkat(directory, temporary.c_str(), 0);
    throw_errno("write pidfile", path_, error);
  }
  // Two masters racing: the one whose file is not in place lost.
  if (!entry_of(fd_.get(), path_)) {
    UniqueFd winner(
        openat(directory, entry.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    already_running(path_, winner ? winner.get() : fd_.get());
  }
}

PidFile::~PidFile() {
  if (!fd_) return;
  if (std::optional<PathEntry> entry = entry_of(fd_.get(), path_)) {
    unlinkat(entry->directory.get(), entry->name.c_str(), 0);
  }
}

bool PidFile::in_place() const { return fd_ && entry_of(fd_.get(), path_); }

}  // namespace ackd

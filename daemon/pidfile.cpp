#include "daemon/pidfile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "common/syscall.h"

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

bool same_file(int fd, const std::string& path) {
  struct stat a {};
  struct stat b {};
  return fstat(fd, &a) == 0 && stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

}  // namespace

PidFile::PidFile(std::string path, pid_t predecessor) : path_(std::move(path)) {
  UniqueFd existing(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (existing && flock(existing.get(), LOCK_EX | LOCK_NB) != 0 &&
      (predecessor == 0 || holder(existing.get()) != predecessor)) {
    already_running(path_, existing.get());
  }
  std::string temporary = path_ + ".tmp." + std::to_string(getpid());
  fd_.reset(open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) throw_errno("open", temporary);
  std::string text = std::to_string(getpid()) + "\n";
  bool written = write(fd_.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (!written || flock(fd_.get(), LOCK_EX | LOCK_NB) != 0 ||
      rename(temporary.c_str(), path_.c_str()) != 0) {
    int error = errno;
    unlink(temporary.c_str());
    throw_errno("write pidfile", path_, error);
  }
  // Two masters racing: the one whose file is not in place lost.
  if (!same_file(fd_.get(), path_)) {
    UniqueFd winner(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    already_running(path_, winner ? winner.get() : fd_.get());
  }
}

PidFile::~PidFile() {
  if (in_place()) unlink(path_.c_str());
}

bool PidFile::in_place() const { return fd_ && same_file(fd_.get(), path_); }

}  // namespace ackd

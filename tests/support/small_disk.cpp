#include "tests/support/small_disk.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "common/unique_fd.h"
#include "tests/support/wait.h"

namespace ackd::test {

SmallDisk::SmallDisk(const std::string& size) {
  if (geteuid() != 0) throw std::runtime_error("a tmpfs mount needs root");
  std::string ready = dir_.path() + "/.not-mounted";
  std::ofstream(ready) << "";
  // The marker file is hidden by the mount: once it is gone, the tmpfs is up.
  holder_ = std::make_unique<Subprocess>(std::vector<std::string>{
      "unshare", "--mount", "--propagation", "private", "sh", "-c",
      "mount -t tmpfs -o size=" + size + ",mode=0755 ackd-test \"$1\" && exec sleep 3600", "sh",
      dir_.path()});
  bool mounted = wait_until(
      [&] { return access(path(".not-mounted").c_str(), F_OK) != 0 || !holder_->running(); },
      std::chrono::seconds(10));
  if (!mounted || !holder_->running()) {
    throw std::runtime_error("cannot mount a tmpfs in a private mount namespace");
  }
}

SmallDisk::~SmallDisk() {
  holder_->send_signal(SIGKILL);  // the namespace, and the mount, end with it
  holder_->wait_for(std::chrono::seconds(5));
}

std::string SmallDisk::path(const std::string& inside) const {
  std::string root = "/proc/" + std::to_string(holder_->pid()) + "/root" + dir_.path();
  return inside.empty() ? root : root + "/" + inside;
}

std::vector<std::string> SmallDisk::wrapper() const {
  return {"nsenter", "--target", std::to_string(holder_->pid()), "--mount", "--"};
}

void SmallDisk::fill() {
  UniqueFd fd(open(path("filler").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd) throw std::runtime_error("cannot create the filler file");
  char block[65536] = {};
  while (write(fd.get(), block, sizeof(block)) > 0) {
  }
  // What a last block could not take, byte by byte.
  while (write(fd.get(), block, 1) > 0) {
  }
}

void SmallDisk::free() { unlink(path("filler").c_str()); }

}  // namespace ackd::test

// SmallDisk: a tmpfs of a few MiB for disk-full tests, mounted in a private
// mount namespace (the machine's mounts are never touched) that a holder
// process keeps alive. The daemon runs inside it (wrapper()); the test
// reaches its files through the holder's root (path()). Needs root; the
// constructor throws std::runtime_error with the reason otherwise.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace ackd::test {

class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size);
  ~SmallDisk();

  // Where the disk is mounted, as the daemon (inside the namespace) sees it.
  const std::string& mount_point() const { return dir_.path(); }
  // The same directory as this test sees it.
  std::string path(const std::string& inside = "") const;
  // Runs a program inside the namespace: prepend to argv.
  std::vector<std::string> wrapper() const;

  // Fills what is left with a file; free() removes it.
  void fill();
  void free();

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> holder_;
};

}  // namespace ackd::test

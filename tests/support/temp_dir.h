// TempDir: a fresh directory for one test, removed with everything in it when
// the test ends. Paths stay short because unix socket paths must fit in
// sun_path (108 bytes).
#pragma once

#include <string>
#include <string_view>

namespace ackd::test {

class TempDir {
 public:
  // Creates $TMPDIR/ackd-test-XXXXXX (or under /tmp); throws std::system_error.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name; the file is not created.
  std::string file(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace ackd::test

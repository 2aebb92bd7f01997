#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "common/syscall.h"

namespace ackd::test {
namespace {

// A long $TMPDIR would leave too little of sun_path for socket names.
constexpr size_t kMaxBaseLength = 60;

std::string temp_base() {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir != nullptr && *tmpdir != '\0' && std::string_view(tmpdir).size() <= kMaxBaseLength) {
    return tmpdir;
  }
  return "/tmp";
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = temp_base() + "/ackd-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) throw_errno("mkdtemp", pattern);
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::file(std::string_view name) const { return path_ + "/" + std::string(name); }

}  // namespace ackd::test

#include "daemon/config/machine.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cerrno>
#include <vector>

namespace ackd {
namespace {

// Calls lookup(buffer) with a buffer grown until it fits (ERANGE); true if
// the entry was found.
template <typename Lookup>
bool found_with_buffer(Lookup lookup) {
  for (size_t size = 4096; size <= (1u << 20); size *= 4) {
    std::vector<char> buffer(size);
    int error = lookup(buffer);
    if (error != ERANGE) return error == 0;
  }
  return false;
}

bool user_exists(const std::string& name) {
  return found_with_buffer([&](std::vector<char>& buffer) {
    passwd entry{};
    passwd* found = nullptr;
    int error = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    return error != 0 ? error : found != nullptr ? 0 : ENOENT;
  });
}

bool group_exists(const std::string& name) {
  return found_with_buffer([&](std::vector<char>& buffer) {
    group entry{};
    group* found = nullptr;
    int error = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    return error != 0 ? error : found != nullptr ? 0 : ENOENT;
  });
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

const Machine& this_machine() {
  static const Machine machine{user_exists, group_exists, is_directory};
  return machine;
}

}  // namespace ackd

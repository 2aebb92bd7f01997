#include "daemon/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "common/syscall.h"

namespace ackd {

std::optional<Credentials> resolve_credentials(const DaemonConfig& daemon) {
  if (geteuid() != 0) return std::nullopt;
  Credentials credentials;
  credentials.user = daemon.user.empty() ? "nobody" : daemon.user;
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  getpwnam_r(credentials.user.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    throw std::runtime_error("daemon.user: no such user \"" + credentials.user + "\"");
  }
  credentials.uid = pw.pw_uid;
  credentials.gid = pw.pw_gid;
  if (!daemon.group.empty()) {
    group gr{};
    group* found_group = nullptr;
    getgrnam_r(daemon.group.c_str(), &gr, buffer.data(), buffer.size(), &found_group);
    if (found_group == nullptr) {
      throw std::runtime_error("daemon.group: no such group \"" + daemon.group + "\"");
    }
    credentials.gid = gr.gr_gid;
  }
  return credentials;
}

// True when the process already has exactly the user's groups (systemd set
// them; its user namespace then forbids setgroups, even to the same list).
static bool has_groups_of(const Credentials& credentials) {
  int count = 64;
  std::vector<gid_t> wanted(static_cast<size_t>(count));
  if (getgrouplist(credentials.user.c_str(), credentials.gid, wanted.data(), &count) < 0) {
    wanted.resize(static_cast<size_t>(count));
    if (getgrouplist(credentials.user.c_str(), credentials.gid, wanted.data(), &count) < 0) {
      return false;
    }
  }
  wanted.resize(static_cast<size_t>(count));
  std::vector<gid_t> current(static_cast<size_t>(getgroups(0, nullptr)));
  current.resize(static_cast<size_t>(getgroups(static_cast<int>(current.size()), current.data())));
  std::sort(wanted.begin(), wanted.end());
  std::sort(current.begin(), current.end());
  // The primary group need not be listed among the supplementary ones.
  std::erase(wanted, credentials.gid);
  std::erase(current, credentials.gid);
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  current.erase(std::unique(current.begin(), current.end()), current.end());
  return wanted == current;
}

void drop_privileges(const Credentials& credentials) {
  if (!has_groups_of(credentials) && initgroups(credentials.user.c_str(), credentials.gid) != 0) {
    throw_errno("initgroups", credentials.user);
  }
  if (setgid(credentials.gid) != 0) throw_errno("setgid", std::to_string(credentials.gid));
  if (setuid(credentials.uid) != 0) throw_errno("setuid", credentials.user);
  if (credentials.uid != 0 && setuid(0) == 0) {
    throw std::system_error(EPERM, std::generic_category(), "setuid: root could be regained");
  }
}

}  // namespace ackd

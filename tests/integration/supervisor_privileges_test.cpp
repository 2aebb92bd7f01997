// Privilege drop, when the tests run as root: the master stays root (to bind
// and to supervise), workers run as the configured user with its groups, as
// "nobody" when none is configured, as root only when the config says so;
// unix socket files get their owner and group, by default the workers'
// group, so that local clients in that group can connect.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "tests/support/as_user.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"
#include "tests/support/proc_stat.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

const std::string kAck = "I got your message\n";

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<uint64_t> groups;  // as initgroups sets them
};

Account account(const char* user) {
  passwd* pw = getpwnam(user);
  if (pw == nullptr) return {};
  Account a{pw->pw_uid, pw->pw_gid, {}};
  std::vector<gid_t> groups(64);
  int count = static_cast<int>(groups.size());
  if (getgrouplist(user, pw->pw_gid, groups.data(), &count) < 0) return a;
  a.groups.assign(groups.begin(), groups.begin() + count);
  return a;
}

// Sorted, without duplicates and without `gid`.
std::vector<uint64_t> without(std::vector<uint64_t> values, uint64_t gid) {
  std::erase(values, gid);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

class SupervisorPrivileges : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "privilege drop is tested only when the tests run as root";
    if (getpwnam("nobody") == nullptr) GTEST_SKIP() << "no user \"nobody\" on this system";
  }

  // Starts ackd with `daemon_keys` in [daemon] and checks every worker's
  // real, effective, saved and filesystem ids and its groups.
  void expect_workers_run_as(const std::string& daemon_keys, const char* user) {
    uint16_t port = free_port();
    Daemon daemon("[daemon]\nworkers = 2\n" + daemon_keys + tcp_listener("tcp", port));
    Account expected = account(user);
    std::vector<pid_t> workers = daemon.workers(2);
    ASSERT_EQ(workers.size(), 2u);
    // Serving (as the scoreboard says) means past the privilege drop.
    ASSERT_TRUE(wait_until(
        [&] {
          auto status = daemon_status(daemon.control_socket());
          return status && std::count_if(status->workers.begin(), status->workers.end(),
                                         [](auto& w) { return w.state == "serving"; }) == 2;
        },
        std::chrono::seconds(5)));
    for (pid_t worker : workers) {
      EXPECT_EQ(status_numbers(worker, "Uid"), std::vector<uint64_t>(4, expected.uid))
          << "worker " << worker;
      EXPECT_EQ(status_numbers(worker, "Gid"), std::vector<uint64_t>(4, expected.gid))
          << "worker " << worker;
      // initgroups' list; the primary group may be left out of it (it is the gid).
      EXPECT_EQ(without(status_numbers(worker, "Groups"), expected.gid),
                without(expected.groups, expected.gid))
          << "worker " << worker;
    }
    EXPECT_EQ(status_numbers(daemon.pid(), "Uid"), std::vector<uint64_t>(4, 0))
        << "the master must stay root";
    EXPECT_EQ(tcp_exchange(port, "hello\n"), kAck);
  }
};

TEST_F(SupervisorPrivileges, WorkersRunAsTheConfiguredUser) {
  expect_workers_run_as("user = \"nobody\"\n", "nobody");
}

TEST_F(SupervisorPrivileges, WorkersRunAsNobodyWhenNoUserIsConfigured) {
  expect_workers_run_as("", "nobody");
}

TEST_F(SupervisorPrivileges, WorkersRunAsRootOnlyWhenTheConfigSaysSo) {
  expect_workers_run_as("user = \"root\"\n", "root");
}

TEST_F(SupervisorPrivileges, UnixSocketFileGetsOwnerGroupAndMode) {
  group* nogroup = getgrnam("nogroup");
  if (nogroup == nullptr) GTEST_SKIP() << "no group \"nogroup\" on this system";
  TempDir dir;
  std::string path = dir.file("s");
  Daemon daemon(
      "[daemon]\nworkers = 1\n" +
      unix_listener("local", path, "owner = \"nobody\"\ngroup = \"nogroup\"\nmode = \"0640\"\n"));
  struct stat st {};
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_uid, account("nobody").uid);
  EXPECT_EQ(st.st_gid, nogroup->gr_gid);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(unix_exchange(path, "hello\n"), kAck);
}

// A unix listener that names no group (the packaged "local" one): its file
// gets the workers' group, daemon.group or else the user's own, and a
// client in that group who is not root connects (issue 15, item 5).
TEST_F(SupervisorPrivileges, UnixSocketFileGetsTheWorkersGroup) {
  group* nogroup = getgrnam("nogroup");
  if (nogroup == nullptr) GTEST_SKIP() << "no group \"nogroup\" on this system";
  std::optional<LocalUser> nobody = local_user("nobody");
  ASSERT_TRUE(nobody);
  ASSERT_EQ(nobody->gid, nogroup->gr_gid) << "expected nobody's group to be nogroup";
  for (const char* daemon_keys :
       {"user = \"nobody\"\ngroup = \"nogroup\"\n", "user = \"nobody\"\n"}) {
    SCOPED_TRACE(daemon_keys);
    TempDir dir;
    chmod(dir.path().c_str(), 0755);
    std::string path = dir.file("s");
    Daemon daemon(std::string("[daemon]\nworkers = 1\n") + daemon_keys +
                  unix_listener("local", path, "mode = \"0660\"\n"));
    struct stat st {};
    ASSERT_EQ(lstat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_gid, nogroup->gr_gid);
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    std::string reply;
    EXPECT_TRUE(as_user(*nobody, [&] {
      reply = unix_exchange(path, "hello from the group\n");
      return reply == kAck;
    })) << "a client in the group cannot connect";
  }
}

}  // namespace
}  // namespace ackd::test

// The root master and the files the workers' user controls (issue 15, item
// 4): that user can write its own directories (the packaged /var/lib/ackd),
// so it can put a symbolic link where the master expects the spool, a unix
// socket or the log file. The master must never follow it to create, chown
// or chmod what the link points to, and must say why it refused. Each
// attacker's step is taken by the unprivileged user itself (a forked child
// running as "nobody"); the target is a root-only file or directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/support/as_user.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
const std::string kAck = "I got your message\n";
const std::string kSecret = "root's secret\n";

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

class PrivilegedPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the root master is tested only when the tests run as root";
    std::optional<LocalUser> user = local_user("nobody");
    if (!user) GTEST_SKIP() << "no user \"nobody\" on this system";
    nobody_ = *user;
    chmod(dir_.path().c_str(), 0755);  // nobody reaches what it owns inside
  }

  // A directory the workers' user owns, as the packaged /var/lib/ackd is ackd's.
  std::string users_directory(const std::string& name) {
    std::string path = dir_.file(name);
    EXPECT_EQ(mkdir(path.c_str(), 0755), 0);
    give_to(path, nobody_);
    return path;
  }
  // What the attacker is after: root's, and only root's.
  std::string secret_directory(const std::string& name) {
    std::string path = dir_.file(name);
    EXPECT_EQ(mkdir(path.c_str(), 0700), 0);
    return path;
  }
  std::string secret_file(const std::string& name) {
    std::string path = dir_.file(name);
    std::ofstream(path) << kSecret;
    chmod(path.c_str(), 0600);
    return path;
  }
  // As "nobody": `link` now points to `target` (what was at `link` moved to `aside`).
  void plant_symlink(const std::string& target, const std::string& link,
                     const std::string& aside = "") {
    ASSERT_TRUE(as_user(nobody_,
                        [&] {
                          if (!aside.empty() && rename(link.c_str(), aside.c_str()) != 0)
                            return false;
                          if (aside.empty()) unlink(link.c_str());
                          return symlink(target.c_str(), link.c_str()) == 0;
                        }))
        << "nobody could not plant the link " << link;
  }

  static void expect_root_only(const std::string& path, mode_t mode) {
    struct stat st {};
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, 0u) << path << " was given away";
    EXPECT_EQ(st.st_gid, 0u) << path << " was given away";
    EXPECT_EQ(st.st_mode & 07777, mode) << path << " had its mode changed";
  }

  std::string config_file(const std::string& text) {
    std::string path = dir_.file("ackd.conf");
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_;
  LocalUser nobody_;
};

// At start: the spool directory is a link to a root-only directory.
TEST_F(PrivilegedPaths, SpoolLinkIsRefusedAtStart) {
  std::string state = users_directory("state");
  std::string secret = secret_directory("secret");
  plant_symlink(secret, state + "/spool");
  std::string config =
      config_file("[daemon]\nuser = \"nobody\"\nworkers = 1\ncontrol_socket = \"\"\n" +
                  tcp_listener("tcp", free_port()) + "[spool]\npath = \"" + state + "/spool\"\n");
  RunResult r = run({ACKD_BINARY, "--config", config}, "", 10s);
  std::string output = r.out + r.err;
  EXPECT_EQ(r.exit_code, 1) << output;
  expect_root_only(secret, 0700);
  EXPECT_NE(output.find(state + "/spool"), std::string::npos) << output;
  EXPECT_NE(output.find("symbolic link"), std::string::npos) << output;
}

// At USR2: the new master recovers the spool as it starts.
TEST_F(PrivilegedPaths, SpoolLinkIsRefusedAtUpgrade) {
  std::string state = users_directory("state");
  std::string secret = secret_directory("secret");
  std::string spool = state + "/spool";
  uint16_t port = free_port();
  Daemon daemon("[daemon]\nuser = \"nobody\"\nworkers = 1\n" + tcp_listener("tcp", port) +
                "[spool]\npath = \"" + spool + "\"\n");
  daemon.allow_errors();
  plant_symlink(secret, spool, spool + ".old");
  daemon.signal(SIGUSR2);
  ASSERT_TRUE(wait_until(
      [&] {
        std::string log = daemon.log();
        return log.find("binary upgrade failed") != std::string::npos ||
               log.find("took over") != std::string::npos;
      },
      15s));
  std::string log = daemon.log();
  if (size_t at = log.find("took over from"); at != std::string::npos) {
    // Before the fix: the new master runs on; stop it (our grandchild).
    size_t pid_at = log.rfind("ackd[", at);
    kill(static_cast<pid_t>(std::atol(log.c_str() + pid_at + 5)), SIGTERM);
  }
  expect_root_only(secret, 0700);
  EXPECT_NE(log.find("binary upgrade failed"), std::string::npos);
  EXPECT_NE(log.find("symbolic link"), std::string::npos) << "no reason given:\n" << log;
  EXPECT_EQ(tcp_exchange(port, "still served\n"), kAck);
}

// At reload: the unix listener's socket file is replaced with a link to a
// root-only file; its mode (0666) must not reach the file.
TEST_F(PrivilegedPaths, UnixSocketLinkIsNotChangedAtReload) {
  std::string sockets = users_directory("sockets");
  std::string secret = secret_file("secret");
  std::string path = sockets + "/ackd.sock";
  std::string config = "[daemon]\nuser = \"nobody\"\nworkers = 1\n" +
                       unix_listener("local", path, "mode = \"0666\"\ngroup = \"nogroup\"\n");
  Daemon daemon(config);
  EXPECT_EQ(unix_exchange(path, "hello\n"), kAck);
  plant_symlink(secret, path);
  RunResult reload = ackctl({"reload", "--socket", daemon.control_socket()});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  ASSERT_TRUE(daemon.wait_for_log("reloaded: generation 2", 10s)) << daemon.log();
  expect_root_only(secret, 0600);
  EXPECT_EQ(read_file(secret), kSecret);
  std::vector<std::string> refused = lines_with(daemon.log(), "not the socket ackd bound");
  EXPECT_EQ(refused.size(), 1u) << daemon.log();
}

// At USR1: log_file was moved aside (as logrotate does) and replaced with a
// link to a root-only file; the master must neither append to it nor give
// it to the workers' user.
TEST_F(PrivilegedPaths, LogFileLinkIsRefusedAtReopen) {
  std::string logs = users_directory("log");
  std::string secret = secret_file("secret");
  std::string log_file = logs + "/ackd.log";
  Daemon daemon("[daemon]\nuser = \"nobody\"\nworkers = 1\nlog_file = \"" + log_file + "\"\n" +
                tcp_listener("tcp", free_port()));
  ASSERT_TRUE(
      wait_until([&] { return read_file(log_file).find("ready") != std::string::npos; }, 5s));
  plant_symlink(secret, log_file, log_file + ".1");
  daemon.signal(SIGUSR1);
  std::string old_log;
  ASSERT_TRUE(wait_until(
      [&] {
        old_log = read_file(log_file + ".1");
        return old_log.find("log files reopened") != std::string::npos ||
               read_file(secret).find("log files reopened") != std::string::npos;
      },
      5s));
  expect_root_only(secret, 0600);
  EXPECT_EQ(read_file(secret), kSecret);
  EXPECT_NE(old_log.find("symbolic link"), std::string::npos) << "no reason given:\n" << old_log;
}

// At start: log_file is a link to a root-only file.
TEST_F(PrivilegedPaths, LogFileLinkIsRefusedAtStart) {
  std::string logs = users_directory("log");
  std::string secret = secret_file("secret");
  plant_symlink(secret, logs + "/ackd.log");
  std::string config = config_file(
      "[daemon]\nuser = \"nobody\"\nworkers = 1\ncontrol_socket = \"\"\n"
      "log_file = \"" +
      logs + "/ackd.log\"\n" + tcp_listener("tcp", free_port()));
  RunResult r = run({ACKD_BINARY, "--config", config}, "", 10s);
  std::string output = r.out + r.err;
  EXPECT_EQ(r.exit_code, 1) << output;
  expect_root_only(secret, 0600);
  EXPECT_EQ(read_file(secret), kSecret);
  EXPECT_NE(output.find("symbolic link"), std::string::npos) << output;
}

}  // namespace
}  // namespace ackd::test

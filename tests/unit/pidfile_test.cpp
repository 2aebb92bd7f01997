// PidFile: written atomically, and, as root in a directory another user can
// write, never through a link that user planted (issue 15, item 4).
#include "daemon/master/pidfile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/support/as_user.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ackd {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(PidFile, HoldsOurPidAndIsRemoved) {
  test::TempDir dir;
  std::string path = dir.file("ackd.pid");
  {
    PidFile pidfile(path);
    EXPECT_EQ(read_file(path), std::to_string(getpid()) + "\n");
    EXPECT_TRUE(pidfile.in_place());
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

// The temporary file's name is known in advance (the pid): a link planted
// there by the directory's owner must not make root truncate and write the
// file it points to.
TEST(PidFile, PlantedLinkIsNotFollowed) {
  if (geteuid() != 0) GTEST_SKIP() << "tested only when the tests run as root";
  std::optional<test::LocalUser> nobody = test::local_user("nobody");
  if (!nobody) GTEST_SKIP() << "no user \"nobody\"";
  test::TempDir dir;
  chmod(dir.path().c_str(), 0755);
  std::string run = dir.file("run");
  ASSERT_EQ(mkdir(run.c_str(), 0755), 0);
  test::give_to(run, *nobody);
  std::string secret = dir.file("secret");
  std::ofstream(secret) << "root's secret\n";
  chmod(secret.c_str(), 0600);
  std::string path = run + "/ackd.pid";
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  ASSERT_TRUE(
      test::as_user(*nobody, [&] { return symlink(secret.c_str(), temporary.c_str()) == 0; }));
  {
    PidFile pidfile(path);
    struct stat st {};
    ASSERT_EQ(lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << "the pidfile is not a regular file";
    EXPECT_EQ(read_file(path), std::to_string(getpid()) + "\n");
  }
  EXPECT_EQ(read_file(secret), "root's secret\n");
}

// A FIFO planted at the pidfile's name must not hang the start in open():
// the pidfile is written in a child, given 5 seconds.
TEST(PidFile, PlantedFifoDoesNotHangTheStart) {
  if (geteuid() != 0) GTEST_SKIP() << "tested only when the tests run as root";
  std::optional<test::LocalUser> nobody = test::local_user("nobody");
  if (!nobody) GTEST_SKIP() << "no user \"nobody\"";
  test::TempDir dir;
  chmod(dir.path().c_str(), 0755);
  std::string run = dir.file("run");
  ASSERT_EQ(mkdir(run.c_str(), 0755), 0);
  test::give_to(run, *nobody);
  std::string path = run + "/ackd.pid";
  ASSERT_TRUE(test::as_user(*nobody, [&] { return mkfifo(path.c_str(), 0666) == 0; }));
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      PidFile pidfile(path);
      _exit(0);
    } catch (...) {
      _exit(1);
    }
  }
  int status = 0;
  bool exited = test::wait_until([&] { return waitpid(child, &status, WNOHANG) == child; },
                                 std::chrono::seconds(5));
  if (!exited) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
  }
  EXPECT_TRUE(exited) << "PidFile hung on a FIFO";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

}  // namespace
}  // namespace ackd

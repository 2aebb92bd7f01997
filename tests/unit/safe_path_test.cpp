// safe_path: paths resolved from directory fds, links followed only when
// root (or we) made them, and files created, chowned and chmodded through
// what was opened. The cases with a link another user owns run as root.
#include "daemon/safe_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>

#include "tests/support/as_user.h"
#include "tests/support/temp_dir.h"

namespace ackd {
namespace {

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st;
}

struct stat fstat_of(int fd) {
  struct stat st {};
  EXPECT_EQ(fstat(fd, &st), 0);
  return st;
}

bool same_file(int fd, const std::string& path) {
  struct stat a = fstat_of(fd), b = lstat_of(path);
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::system_error& e) {
    return e.what();
  }
  return "";
}

class SafePath : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir(dir_.file("real").c_str(), 0755), 0);
    std::ofstream(dir_.file("real/file")) << "x";
  }
  // A link owned by `user` (root only can make another user's link).
  void link_owned_by(const std::string& target, const std::string& link, const char* user) {
    ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
    std::optional<test::LocalUser> account = test::local_user(user);
    ASSERT_TRUE(account);
    test::give_to(link, *account);
  }
  static bool root() { return geteuid() == 0 && test::local_user("nobody"); }

  test::TempDir dir_;
};

TEST_F(SafePath, ResolvesAllButTheLastComponent) {
  for (std::string path : {dir_.file("real/file"), dir_.file("real//./file"),
                           dir_.file("real/../real/file"), dir_.file("real/missing")}) {
    SCOPED_TRACE(path);
    PathEntry entry = open_parent(path);
    EXPECT_TRUE(same_file(entry.directory.get(), dir_.file("real")));
    EXPECT_EQ(entry.path, path);
  }
  EXPECT_EQ(open_parent(dir_.file("real/file")).name, "file");
  EXPECT_EQ(open_parent(dir_.file("real/missing")).name, "missing");
}

TEST_F(SafePath, ResolvesARelativePath) {
  UniqueFd cwd(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_EQ(chdir(dir_.path().c_str()), 0);
  PathEntry entry = open_parent("real/file");
  EXPECT_EQ(fchdir(cwd.get()), 0);
  EXPECT_TRUE(same_file(entry.directory.get(), dir_.file("real")));
}

TEST_F(SafePath, RefusesPathsWithoutAName) {
  for (const std::string& path :
       {std::string(), std::string("/"), std::string("."), dir_.file("real/..")}) {
    SCOPED_TRACE(path);
    EXPECT_NE(error_of([&] { open_parent(path); }).find("no file name"), std::string::npos);
  }
}

TEST_F(SafePath, FollowsOurOwnLinks) {
  ASSERT_EQ(symlink("real", dir_.file("relative").c_str()), 0);
  ASSERT_EQ(symlink(dir_.file("real").c_str(), dir_.file("absolute").c_str()), 0);
  ASSERT_EQ(symlink("real/file", dir_.file("to-file").c_str()), 0);
  for (const char* path : {"relative/file", "absolute/file", "to-file"}) {
    SCOPED_TRACE(path);
    PathEntry entry = open_parent(dir_.file(path));
    EXPECT_TRUE(same_file(entry.directory.get(), dir_.file("real")));
    EXPECT_EQ(entry.name, "file");
  }
}

TEST_F(SafePath, RefusesAnotherUsersLinkAnywhereOnThePath) {
  if (!root()) GTEST_SKIP() << "making another user's link needs root";
  link_owned_by(dir_.file("real"), dir_.file("theirs"), "nobody");
  struct Case {
    const char* path;
    std::string why;
  };
  for (const Case& c :
       {Case{"theirs/file", dir_.file("theirs") + " is a symbolic link owned by uid"},
        Case{"theirs", "): a symbolic link owned by uid"}}) {
    SCOPED_TRACE(c.path);
    std::string error = error_of([&] { open_parent(dir_.file(c.path)); });
    EXPECT_NE(error.find(c.why), std::string::npos) << error;
    EXPECT_NE(error.find("not followed"), std::string::npos) << error;
  }
}

// A link of root's, hard-linked by someone into their directory, is not
// root's choice of where to point there.
TEST_F(SafePath, RefusesALinkWithManyLinks) {
  ASSERT_EQ(symlink(dir_.file("real").c_str(), dir_.file("one").c_str()), 0);
  ASSERT_EQ(linkat(AT_FDCWD, dir_.file("one").c_str(), AT_FDCWD, dir_.file("two").c_str(), 0), 0);
  std::string error = error_of([&] { open_parent(dir_.file("two/file")); });
  EXPECT_NE(error.find("with 2 links"), std::string::npos) << error;
}

TEST_F(SafePath, RefusesALinkLoop) {
  ASSERT_EQ(symlink("b", dir_.file("a").c_str()), 0);
  ASSERT_EQ(symlink("a", dir_.file("b").c_str()), 0);
  EXPECT_NE(error_of([&] { open_parent(dir_.file("a/x")); }).find("symbolic links"),
            std::string::npos);
}

TEST_F(SafePath, MakesADirectoryAndGivesItAway) {
  std::string path = dir_.file("real/spool");
  FileOwner owner;
  if (root()) owner = {test::local_user("nobody")->uid, test::local_user("nobody")->gid};
  for (int round = 0; round < 2; ++round) {  // then again, as it exists
    UniqueFd fd = make_directory(path, 0750, owner);
    struct stat st = lstat_of(path);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0750u);
    EXPECT_TRUE(same_file(fd.get(), path));
    if (root()) {
      EXPECT_EQ(st.st_uid, owner.uid);
    }
  }
}

TEST_F(SafePath, DoesNotMakeADirectoryThroughALastLink) {
  if (!root()) GTEST_SKIP() << "making another user's link needs root";
  ASSERT_EQ(mkdir(dir_.file("target").c_str(), 0700), 0);
  link_owned_by(dir_.file("target"), dir_.file("real/spool"), "nobody");
  std::string error = error_of([&] {
    make_directory(dir_.file("real/spool"), 0750, {65534, 65534});
  });
  EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
  EXPECT_EQ(lstat_of(dir_.file("target")).st_uid, 0u);
}

TEST_F(SafePath, MakeDirectoryRefusesAFile) {
  std::string error = error_of([&] { make_directory(dir_.file("real/file"), 0750); });
  EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
}

TEST_F(SafePath, OpensAPlainFileForAppending) {
  std::string path = dir_.file("real/log");
  for (int round = 0; round < 2; ++round) {
    UniqueFd fd = open_for_append(path, 0640);
    ASSERT_EQ(write(fd.get(), "line\n", 5), 5);
    EXPECT_EQ(fcntl(fd.get(), F_GETFL) & (O_APPEND | O_NONBLOCK), O_APPEND);
  }
  EXPECT_EQ(lstat_of(path).st_size, 10);
  EXPECT_EQ(lstat_of(path).st_mode & 0777, 0640u);
}

TEST_F(SafePath, AppendsOnlyToARegularFileWithOneLink) {
  ASSERT_EQ(mkfifo(dir_.file("real/fifo").c_str(), 0600), 0);
  ASSERT_EQ(link(dir_.file("real/file").c_str(), dir_.file("real/hard").c_str()), 0);
  struct Case {
    const char* name;
    const char* why;
  };
  for (Case c : {Case{"fifo", "not a regular file"}, Case{"hard", "with 2 hard links"}}) {
    SCOPED_TRACE(c.name);
    std::string error = error_of([&] { open_for_append(dir_.file("real/") + c.name, 0640); });
    EXPECT_NE(error.find(c.why), std::string::npos) << error;
  }
}

TEST_F(SafePath, AppendsThroughNoLinkOfAnotherUser) {
  if (!root()) GTEST_SKIP() << "making another user's link needs root";
  link_owned_by(dir_.file("real/file"), dir_.file("real/log"), "nobody");
  std::string error = error_of([&] { open_for_append(dir_.file("real/log"), 0640); });
  EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
  EXPECT_EQ(lstat_of(dir_.file("real/file")).st_size, 1);
}

TEST_F(SafePath, CreateFileReplacesWhatIsThereWithoutFollowingIt) {
  ASSERT_EQ(symlink("file", dir_.file("real/new").c_str()), 0);
  PathEntry entry = open_parent(dir_.file("real/file"));
  UniqueFd fd = create_file(entry.directory.get(), "new", 0644, dir_.file("real/new"));
  ASSERT_EQ(write(fd.get(), "12\n", 3), 3);
  EXPECT_TRUE(S_ISREG(lstat_of(dir_.file("real/new")).st_mode));
  EXPECT_EQ(lstat_of(dir_.file("real/file")).st_size, 1);
}

// A socket file cannot be opened but with O_PATH: its mode is set through
// /proc/self/fd, its owner with fchownat.
TEST_F(SafePath, ChangesTheModeAndOwnerOfASocketFile) {
  std::string path = dir_.file("real/s");
  UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(bind(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  UniqueFd fd = open_entry(open_parent(path));
  change_mode(fd.get(), 0604, path);
  EXPECT_EQ(lstat_of(path).st_mode & 0777, 0604u);
  change_owner(fd.get(), {kUnchangedUid, getegid()}, path);  // already so: no call
  if (root()) {
    change_owner(fd.get(), {kUnchangedUid, 65534}, path);
    EXPECT_EQ(lstat_of(path).st_gid, 65534u);
  }
}

TEST_F(SafePath, KnowsWhoCanReplaceEntries) {
  struct Case {
    mode_t mode;
    bool safe;
  };
  for (Case c : {Case{0755, true}, Case{0775, false}, Case{0777, false}, Case{01777, true}}) {
    SCOPED_TRACE(c.mode);
    ASSERT_EQ(chmod(dir_.file("real").c_str(), c.mode), 0);
    UniqueFd fd(open(dir_.file("real").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    EXPECT_EQ(others_cannot_replace_ours(fd.get()), c.safe);
  }
}

}  // namespace
}  // namespace ackd

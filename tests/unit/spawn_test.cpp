#include "daemon/spawn.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

#include <gtest/gtest.h>

namespace ackd {
namespace {

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

// Which of stdin, stdout and stderr are open (the test runner may close some).
int open_stdio() { return (is_open(0) ? 1 : 0) | (is_open(1) ? 2 : 0) | (is_open(2) ? 4 : 0); }

// Runs close_fds_except in a child (it closes the calling process's fds)
// and returns the child's report: a bit set for each fd in the wrong state.
int report_after_close(const std::array<int, 5>& fds) {
  int stdio = open_stdio();
  pid_t pid = fork();
  if (pid == 0) {
    // Unsorted, with a duplicate and a -1: as callers pass an absent fd.
    close_fds_except({fds[4], -1, fds[1], fds[1]});
    int wrong = 0;
    if (open_stdio() != stdio) wrong |= 1;
    for (size_t i = 0; i < fds.size(); ++i) {
      bool kept = i == 1 || i == 4;
      if (is_open(fds[i]) != kept) wrong |= 2 << i;
    }
    _exit(wrong);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CloseFdsExcept, KeepsStdioAndTheGivenFdsAndClosesTheRest) {
  std::array<int, 5> fds{};
  for (int& fd : fds) {
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 3);
  }
  EXPECT_EQ(report_after_close(fds), 0);
  for (int fd : fds) close(fd);
}

TEST(CloseFdsExcept, KeepingNothingClosesEverythingAboveStderr) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 3);
  int stdio = open_stdio();
  pid_t pid = fork();
  if (pid == 0) {
    close_fds_except({-1});
    _exit(is_open(fd) || open_stdio() != stdio ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd);
}

}  // namespace
}  // namespace ackd

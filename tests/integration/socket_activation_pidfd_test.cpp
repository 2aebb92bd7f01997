// Socket activation with systemd 258's LISTEN_PIDFDID: ackd takes the passed
// socket only when the pidfd inode number names its own process (a pid can
// be reused; a pidfd's identity cannot), as sd_listen_fds(3) does.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "common/unique_fd.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;
constexpr long kPidfsMagic = 0x50494446;

// The pidfd inode number of `pid`, nullopt without pidfs.
std::optional<uint64_t> pidfd_id(pid_t pid) {
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  struct stat st {};
  struct statfs fs {};
  if (!pidfd || fstat(pidfd.get(), &st) != 0 || fstatfs(pidfd.get(), &fs) != 0 ||
      fs.f_type != kPidfsMagic) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(st.st_ino);
}

UniqueFd listening_socket(uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
  int on = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd.get(), 16) != 0) {
    ADD_FAILURE() << "cannot listen on port " << port;
  }
  return fd;
}

// Starts ackd with `socket` as fd 3, named "tcp", LISTEN_PID its own pid and
// LISTEN_PIDFDID its pidfd's inode number plus `id_offset` (0: the right one).
// The child waits for the parent to write those two variables (it cannot
// know its pidfd id without allocating), then execs. Returns the pid.
pid_t start_activated(int socket, const std::string& config, uint64_t id_offset) {
  constexpr size_t kSlot = 48;
  char slots[2 * kSlot] = {};
  const char* fds = "LISTEN_FDS=1";
  const char* names = "LISTEN_FDNAMES=tcp";
  char* envp[] = {slots, slots + kSlot, const_cast<char*>(fds), const_cast<char*>(names), nullptr};
  const char* argv[] = {ACKD_BINARY, "--config", config.c_str(), nullptr};
  int go[2];
  if (pipe(go) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls from here to exec
    close(go[1]);
    size_t got = 0;
    while (got < sizeof(slots)) {
      ssize_t n = read(go[0], slots + got, sizeof(slots) - got);
      if (n <= 0) _exit(127);
      got += static_cast<size_t>(n);
    }
    if (dup2(socket, 3) != 3) _exit(127);
    execve(ACKD_BINARY, const_cast<char**>(argv), envp);
    _exit(127);
  }
  close(go[0]);
  std::optional<uint64_t> id = pidfd_id(pid);
  std::snprintf(slots, kSlot, "LISTEN_PID=%d", pid);
  std::snprintf(slots + kSlot, kSlot, "LISTEN_PIDFDID=%llu",
                static_cast<unsigned long long>(id.value_or(0) + id_offset));
  [[maybe_unused]] ssize_t written = write(go[1], slots, sizeof(slots));
  close(go[1]);
  return pid;
}

void stop(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

class ListenPidfdId : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pidfd_id(getpid())) GTEST_SKIP() << "this kernel has no pidfs (Linux 6.9)";
    std::ofstream(dir_.file("c")) << "[daemon]\nworkers = 1\ncontrol_socket = \"\"\n"
                                     "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\n"
                                     "address = \"127.0.0.1:" +
                                         std::to_string(own_port_) + "\"\n";
  }

  // Which port ackd answers on: the passed socket's, or its own address's.
  std::string answered_on(uint64_t id_offset) {
    pid_t pid = start_activated(passed_.get(), dir_.file("c"), id_offset);
    std::string where;
    wait_until(
        [&] {
          for (auto [port, name] : {std::pair{passed_port_, "passed"}, {own_port_, "own"}}) {
            try {
              UniqueFd fd = connect_tcp(port);
              send_all(fd.get(), "hi\n");
              if (read_line(fd.get(), 2s) == "I got your message") where = name;
            } catch (const std::exception&) {
            }
            if (!where.empty()) return true;
          }
          return false;
        },
        10s);
    stop(pid);
    return where;
  }

  TempDir dir_;
  uint16_t passed_port_ = free_port();
  uint16_t own_port_ = free_port();
  UniqueFd passed_ = listening_socket(passed_port_);
};

TEST_F(ListenPidfdId, ItsOwnPidfdIdTakesThePassedSocket) { EXPECT_EQ(answered_on(0), "passed"); }

// Another process's pidfd (LISTEN_PID alone would match: the pid is ours):
// the sockets are not for ackd, which binds its own address.
TEST_F(ListenPidfdId, AnotherPidfdIdLeavesThePassedSocketAlone) {
  EXPECT_EQ(answered_on(1), "own");
}

}  // namespace
}  // namespace ackd::test

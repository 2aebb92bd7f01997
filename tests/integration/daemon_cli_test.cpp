// ackd's command line: --check-config, --version, and clear failures.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "version.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(AckdCli, Version) {
  RunResult r = run({ACKD_BINARY, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("ackd ") + kVersion + "\n");
}

TEST(AckdCli, MissingConfigIsOneClearLine) {
  RunResult r = run({ACKD_BINARY, "--config", "/nonexistent/ackd.conf"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_EQ(r.err, "ackd: /nonexistent/ackd.conf: cannot open: No such file or directory\n");
}

TEST(AckdCli, AnEmptyConfigPathIsAUsageError) {
  // An unset shell variable must not quietly select the embedded default.
  RunResult r = run({ACKD_BINARY, "--check-config", "--config", ""});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config: an empty path"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(AckdCli, InvalidConfigNamesFileLineAndKey) {
  TempDir dir;
  std::ofstream(dir.file("bad.conf")) << "[[listener]]\nname = 'a'\nprotocol = 'tcpx'\n"
                                         "address = '127.0.0.1:1'\n";
  for (bool check : {false, true}) {
    std::vector<std::string> argv = {ACKD_BINARY, "--config", dir.file("bad.conf")};
    if (check) argv.push_back("--check-config");
    RunResult r = run(argv);
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_EQ(r.err, "ackd: " + dir.file("bad.conf") +
                         ":3:12: listener[0].protocol: unknown protocol \"tcpx\" (expected tcp, "
                         "udp, unix or unixgram)\n");
    EXPECT_EQ(line_count(r.err), 1u);
  }
}

TEST(AckdCli, CheckConfigAcceptsAValidFile) {
  TempDir dir;
  std::ofstream(dir.file("ok.conf")) << "[[listener]]\nname = 'a'\nprotocol = 'tcp'\n"
                                        "address = '127.0.0.1:1'\n";
  RunResult r = run({ACKD_BINARY, "--check-config", "--config", dir.file("ok.conf")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("is valid"), std::string::npos);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Each of these passed --check-config, and then ackd failed to start (or, for
// the empty spool path, acked "fsync" while storing nothing). The check and
// the start look at this machine alike.
TEST(AckdCli, CheckConfigNamesWhatThisMachineLacks) {
  TempDir dir;
  std::string c = dir.file("c"), missing = dir.file("missing"), control = dir.file("ctl");
  std::ofstream(c) << "[daemon]\nuser = 'ackd-test-no-such-user'\n"
                      "group = 'ackd-test-no-such-group'\n"
                      "log_file = '"
                   << missing << "/ackd.log'\npidfile = '" << missing
                   << "/ackd.pid'\ncontrol_socket = '" << control
                   << "'\n[spool]\npath = ''\nack_after = 'fsync'\n"
                      "[[listener]]\nname = 'a'\nprotocol = 'unix'\npath = '"
                   << control << "'\n";
  std::vector<std::string> expected = {
      "ackd: " + c + ":2:8: daemon.user: no such user \"ackd-test-no-such-user\"",
      "ackd: " + c + ":3:9: daemon.group: no such group \"ackd-test-no-such-group\"",
      "ackd: " + c + ":4:12: daemon.log_file: no directory \"" + missing +
          "\" (ackd creates the file, not its directory)",
      "ackd: " + c + ":5:11: daemon.pidfile: no directory \"" + missing +
          "\" (ackd creates the file, not its directory)",
      "ackd: " + c +
          ":8:8: spool.path: must not be empty (to run without a spool, remove the [spool] table)",
      "ackd: " + c + ":13:8: listener[0].path: \"" + control +
          "\" is daemon.control_socket too (each socket needs a path of its own)",
  };
  std::sort(expected.begin(), expected.end());
  for (bool check : {true, false}) {
    std::vector<std::string> argv = {ACKD_BINARY, "--config", c};
    if (check) argv.push_back("--check-config");
    RunResult r = run(argv);
    EXPECT_EQ(r.exit_code, 78) << r.err;
    EXPECT_EQ(lines_of(r.err), expected) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// The usage line names the program, not the path it was started by.
TEST(AckdCli, HelpNamesTheProgram) {
  RunResult r = run({ACKD_BINARY, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("ackd: acknowledges")) << r.out;
  EXPECT_NE(r.out.find("Usage: ackd [OPTIONS]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(ACKD_BINARY), std::string::npos) << r.out;
}

TEST(AckdCli, BindFailureNamesTheListener) {
  uint16_t port = free_port();
  TempDir dir;
  std::ofstream(dir.file("c")) << "[[listener]]\nname = 'a'\nprotocol = 'tcp'\n"
                                  "address = '127.0.0.1:" +
                                      std::to_string(port) + "'\n";
  UniqueFd blocker(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(blocker.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(blocker.get(), 1), 0);
  RunResult r = run({ACKD_BINARY, "--config", dir.file("c")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot start: bind(tcp 127.0.0.1:" + std::to_string(port) +
                       "): Address already in use"),
            std::string::npos)
      << r.err;
}

TEST(AckdCli, UnknownOptionIsAUsageError) {
  RunResult r = run({ACKD_BINARY, "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace ackd::test

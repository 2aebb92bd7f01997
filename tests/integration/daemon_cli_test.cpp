// ackd's command line: --check-config, --version, and clear failures.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>

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

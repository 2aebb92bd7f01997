// ackd with the real clients: the tutorial's client (seeds/) and ackctl,
// over every listener kind, in both process modes.
#include <gtest/gtest.h>

#include "tests/support/daemon.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

class Interop : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    port_ = free_port();
    daemon_ = std::make_unique<Daemon>(
        "[daemon]\nmode = \"" + std::string(GetParam()) +
        "\"\nworkers = 2\n"
        "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" +
        port() +
        "\"\n"
        "[[listener]]\nname = \"udp\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:" +
        port() +
        "\"\n"
        "[[listener]]\nname = \"local\"\nprotocol = \"unix\"\npath = \"" +
        dir_.path() +
        "/s\"\n"
        "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" +
        dir_.path() + "/g\"\n");
  }
  std::string port() const { return std::to_string(port_); }

  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

TEST_P(Interop, TutorialClientGetsTheAck) {
  RunResult r = run({TUTORIAL_CLIENT, "127.0.0.1", port()}, "hello from 1991\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Please enter the message: I got your message\n\n");
  EXPECT_TRUE(daemon_->wait_for_log("text=\"hello from 1991\""));
}

TEST_P(Interop, AckctlOverTcp) {
  RunResult r = run({ACKCTL_BINARY, "send", "127.0.0.1", port(), "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
}

TEST_P(Interop, AckctlOverUdp) {
  RunResult r = run({ACKCTL_BINARY, "send", "--udp", "127.0.0.1", port(), "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
}

TEST_P(Interop, AckctlOverUnixStream) {
  RunResult r = run({ACKCTL_BINARY, "send", "--unix", dir_.path() + "/s", "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
}

TEST_P(Interop, AckctlOverUnixDatagram) {
  RunResult r = run({ACKCTL_BINARY, "send", "--unixgram", dir_.path() + "/g", "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
}

TEST_P(Interop, AckctlReadsTheMessageFromStdin) {
  RunResult r = run({ACKCTL_BINARY, "send", "127.0.0.1", port()}, "from stdin\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
  EXPECT_TRUE(daemon_->wait_for_log("text=\"from stdin\""));
}

TEST_P(Interop, AckctlOverIpv6Loopback) {
  Daemon v6("[daemon]\nmode = \"" + std::string(GetParam()) +
            "\"\nworkers = 1\n"
            "[[listener]]\nname = \"tcp6\"\nprotocol = \"tcp\"\naddress = \"[::1]:" +
            port() + "\"\n");
  RunResult r = run({ACKCTL_BINARY, "send", "::1", port(), "over v6"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "I got your message\n");
}

INSTANTIATE_TEST_SUITE_P(Modes, Interop, ::testing::Values("prefork", "fork"));

}  // namespace
}  // namespace ackd::test

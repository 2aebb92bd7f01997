// `ackctl bench` against the real ackd in every mode, briefly (each run
// well under a second of load): it must count acks and no errors, stop on
// time or on --messages, and map refusals and wrong acks to its exit codes.
// Performance itself is measured by bench/run, not asserted here.
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

// Short runs, few clients: enough to exercise every path on a loaded
// 2-core machine under ASan without starving the other tests.
const std::vector<std::string> kLoad = {"--json", "--duration", "500ms", "--concurrency",
                                        "4",      "--threads",  "2"};

RunResult bench(std::vector<std::string> args) {
  args.insert(args.begin(), {ACKCTL_BINARY, "bench"});
  return run(args, "", 20s);
}

// A number field of bench's one-line JSON object; -1 if missing.
int64_t json_number(const std::string& json, const std::string& field) {
  std::smatch match;
  if (!std::regex_search(json, match, std::regex("\"" + field + "\":([0-9]+)"))) return -1;
  return std::stoll(match[1]);
}

std::string config_text(uint16_t port, const std::string& dir, const std::string& tcp_extra = "") {
  std::string address = "127.0.0.1:" + std::to_string(port);
  return "[daemon]\nworkers = 2\nlog_messages = false\nshutdown_timeout = \"3s\"\n"
         "[[listener]]\nname = \"tcp\"\nprotocol = \"tcp\"\naddress = \"" +
         address + "\"\n" + tcp_extra +
         "[[listener]]\nname = \"udp\"\nprotocol = \"udp\"\naddress = \"" + address +
         "\"\n[[listener]]\nname = \"local\"\nprotocol = \"unix\"\npath = \"" + dir +
         "/s\"\n[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" + dir + "/g\"\n";
}

class AckctlBench : public ::testing::Test {
 protected:
  void start(const std::string& tcp_extra = "") {
    port_ = free_port();
    daemon_ = std::make_unique<Daemon>(config_text(port_, scratch_.path(), tcp_extra));
  }
  std::vector<std::string> inet(std::vector<std::string> args) const {
    args.insert(args.begin(), {"127.0.0.1", std::to_string(port_)});
    args.insert(args.end(), kLoad.begin(), kLoad.end());
    return args;
  }
  std::vector<std::string> path(const std::string& option, const std::string& name,
                                std::vector<std::string> args = {}) const {
    args.insert(args.begin(), {option, scratch_.path() + "/" + name});
    args.insert(args.end(), kLoad.begin(), kLoad.end());
    return args;
  }
  // A run that should have acks and no error.
  void expect_clean(const RunResult& result) {
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_GT(json_number(result.out, "acks"), 0) << result.out;
    EXPECT_EQ(json_number(result.out, "errors"), 0) << result.out;
    EXPECT_EQ(json_number(result.out, "resets_after_ack"), 0) << result.out;
  }

  TempDir scratch_;
  uint16_t port_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(AckctlBench, KeepAlive) {
  start();
  expect_clean(bench(inet({"--mode", "keep"})));
}

// The tutorial's exchange: ackd closes after its ack (with a FIN, never a
// reset), and the client waits for it rather than closing first.
TEST_F(AckctlBench, ConnectionPerMessageServerCloses) {
  start("messages_per_connection = 1\n");
  expect_clean(bench(inet({"--mode", "conn"})));
}

TEST_F(AckctlBench, ConnectionPerMessageClientCloses) {
  start();
  expect_clean(bench(inet({"--mode", "conn"})));
}

TEST_F(AckctlBench, Udp) {
  start();
  // Messages as long as the ack: the UDP reply budget never drops a reply.
  expect_clean(bench(inet({"--mode", "udp", "--size", "32"})));
}

TEST_F(AckctlBench, UnixStream) {
  start();
  expect_clean(bench(path("--unix", "s", {"--mode", "unix"})));
  expect_clean(bench(path("--unix", "s", {"--mode", "conn"})));
}

TEST_F(AckctlBench, UnixDatagram) {
  start();
  expect_clean(bench(path("--unixgram", "g", {"--mode", "unixgram"})));
}

TEST_F(AckctlBench, MessagesStopsAtTheCount) {
  start();
  RunResult result = bench({"127.0.0.1", std::to_string(port_), "--json", "--messages", "777",
                            "--concurrency", "5", "--threads", "2"});
  expect_clean(result);
  EXPECT_EQ(json_number(result.out, "acks"), 777) << result.out;
}

TEST_F(AckctlBench, IdleConnectionsAreHeld) {
  start();
  RunResult result = bench(inet({"--idle", "40"}));
  expect_clean(result);
  EXPECT_EQ(json_number(result.out, "idle_held"), 40) << result.out;
}

TEST_F(AckctlBench, TextReport) {
  start();
  RunResult result =
      bench({"127.0.0.1", std::to_string(port_), "--duration", "300ms", "-c", "2", "-t", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* part : {"replies/s", "errors:   0", "p50", "p99.9", "max"}) {
    EXPECT_NE(result.out.find(part), std::string::npos) << part << " in " << result.out;
  }
  EXPECT_EQ(result.err, "");  // no progress line when stderr is not a terminal
}

// --expect echo: each reply must be the message itself, on every transport.
TEST_F(AckctlBench, ExpectEchoAgainstAnEchoService) {
  start("service = \"echo\"\n");
  for (const char* mode : {"keep", "conn"}) {
    RunResult result = bench(inet({"--mode", mode, "--expect", "echo", "--size", "200"}));
    expect_clean(result);
    EXPECT_NE(result.out.find("\"expect\":\"echo\""), std::string::npos) << result.out;
  }
}

TEST(AckctlBenchEcho, EveryTransport) {
  TempDir dir;
  uint16_t port = free_port();
  std::string echo = "service = \"echo\"\n";
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\n" + tcp_listener("tcp", port, echo) +
                udp_listener("udp", port) + echo + unix_listener("local", dir.file("s"), echo) +
                "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" +
                dir.file("g") + "\"\n" + echo);
  std::vector<std::vector<std::string>> targets = {
      {"127.0.0.1", std::to_string(port), "--mode", "udp"},
      {"--unix", dir.file("s")},
      {"--unixgram", dir.file("g")},
      // A stream message of just its LF echoes as an empty line.
      {"127.0.0.1", std::to_string(port), "--size", "1"},
  };
  for (std::vector<std::string> args : targets) {
    args.insert(args.end(), {"--expect", "echo"});
    args.insert(args.end(), kLoad.begin(), kLoad.end());
    RunResult result = bench(args);
    EXPECT_EQ(result.exit_code, 0) << args[0] << ": " << result.out << result.err;
    EXPECT_GT(json_number(result.out, "acks"), 0) << result.out;
    EXPECT_EQ(json_number(result.out, "errors"), 0) << result.out;
  }
}

// The ack is not the echo, and the echo is not the ack.
TEST_F(AckctlBench, ExpectEchoAgainstTheAckIsAProtocolError) {
  start();
  RunResult result = bench(inet({"--expect", "echo"}));
  EXPECT_EQ(result.exit_code, 6) << result.out << result.err;
  EXPECT_GT(json_number(result.out, "protocol"), 0) << result.out;
  EXPECT_EQ(json_number(result.out, "acks"), 0) << result.out;
}

TEST_F(AckctlBench, WrongAckIsAProtocolError) {
  start();
  RunResult result = bench(inet({"--ack", "something else"}));
  EXPECT_EQ(result.exit_code, 6) << result.out << result.err;
  EXPECT_GT(json_number(result.out, "protocol"), 0) << result.out;
  EXPECT_EQ(json_number(result.out, "acks"), 0) << result.out;
}

// The tutorial's fork server answers without LF and closes: the fragment
// before its EOF is the ack.
TEST(AckctlBenchTutorial, ForkServerConnectionPerMessage) {
  TempDir dir;
  uint16_t port = free_port();
  Subprocess server({TUTORIAL_FORK_SERVER, std::to_string(port)}, {}, dir.file("out"));
  ASSERT_TRUE(wait_until([&] { return tcp_port_listening(port); }, 5s));
  RunResult result = bench({"127.0.0.1", std::to_string(port), "--json", "--mode", "conn",
                            "--duration", "300ms", "-c", "2", "-t", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_GT(json_number(result.out, "acks"), 0) << result.out;
  EXPECT_EQ(json_number(result.out, "errors"), 0) << result.out;
}

TEST(AckctlBenchNoServer, RefusedIsExit3) {
  uint16_t port = free_port();
  RunResult result = bench({"127.0.0.1", std::to_string(port), "--json", "--duration", "200ms",
                            "-c", "2", "-t", "1", "--mode", "conn"});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_GT(json_number(result.out, "refused"), 0) << result.out;
}

TEST(AckctlBenchNoServer, UsageErrorIsExit2) {
  RunResult result = bench({"--unixgram", "/nonexistent", "--mode", "conn"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--mode conn"), std::string::npos) << result.err;
}

// -n -1 once wrapped to 2^64 - 1 exchanges: a run that never ended.
TEST(AckctlBenchNoServer, NegativeMessagesIsExit2) {
  uint16_t port = free_port();
  RunResult result = bench({"127.0.0.1", std::to_string(port), "-n", "-1", "--duration", "200ms"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("--messages"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace ackd::test

// Draining over TLS: ackctl bench's keep-alive clients see no error across
// reloads on a TLS listener, over TCP and over a unix socket. On a unix
// socket the FIN cannot ride in the last reply's segment, so a retired
// worker stops taking input before that reply (the client's next send
// fails with EPIPE and goes on a new connection, with a new handshake),
// as it does without TLS (drain_test.cpp).
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_pki.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

class TlsBenchAcrossReloads : public ::testing::TestWithParam<const char*> {};

TEST_P(TlsBenchAcrossReloads, KeepAliveSeesNoError) {
  if (!openssl_available()) GTEST_SKIP() << "the openssl command is missing";
  TempDir dir;
  TestPki pki(dir.path());
  uint16_t port = free_port();
  std::string tls = "[listener.tls]\ncertificate = \"" + pki.server().certificate + "\"\nkey = \"" +
                    pki.server().key + "\"\n";
  std::string path = dir.path() + "/s";
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\nshutdown_timeout = \"5s\"\n" +
                tcp_listener("tcp", port) + tls + unix_listener("local", path) + tls);
  std::vector<std::string> argv = {ACKCTL_BINARY, "bench", "--tls",      "--ca", pki.ca(),
                                   "-c",          "16",    "--duration", "4s",   "--json"};
  if (std::string(GetParam()) == "unix") {
    argv.insert(argv.end(), {"--unix", path, "--mode", "unix"});
  } else {
    argv.insert(argv.end(), {"127.0.0.1", std::to_string(port), "--mode", "keep"});
  }
  TempDir out;
  Subprocess bench(argv, {}, out.file("bench.json"), out.file("bench.err"));
  std::this_thread::sleep_for(300ms);  // the clients connect
  for (int reload = 0; reload < 6; ++reload) {
    daemon.signal(SIGHUP);  // retires the workers that hold the bench's connections
    ASSERT_TRUE(daemon.wait_for_log("reloaded: generation " + std::to_string(reload + 2), 10s));
    std::this_thread::sleep_for(300ms);  // the clients exchange with this generation
  }
  ASSERT_TRUE(bench.wait_for(20s));
  std::ifstream file(out.file("bench.json"));
  std::string json((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(json_number(json, "errors"), 0u) << json;
  EXPECT_GT(json_number(json, "replies").value_or(0), 1000u) << json;
}

INSTANTIATE_TEST_SUITE_P(Transports, TlsBenchAcrossReloads, ::testing::Values("tcp", "unix"));

}  // namespace
}  // namespace ackd::test

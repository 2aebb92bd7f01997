// The spool: an ack that means stored. Recovery of torn tails, retention,
// and the chaos test: workers killed at random, then the whole daemon;
// every message any client saw acked must be in the spool.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/spool_reader.h"
#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/spool_files.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

std::string ack_exchange(uint16_t port, const std::string& message) {
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), message + "\n");
  shutdown(fd.get(), SHUT_WR);
  return read_until_eof(fd.get(), 5s);
}

class SpoolAckAfter : public ::testing::TestWithParam<const char*> {};

TEST_P(SpoolAckAfter, EveryAckedMessageIsInTheSpool) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  {
    Daemon daemon(spool_config(port, spool, GetParam()));
    for (int i = 0; i < 20; ++i) {
      ASSERT_EQ(ack_exchange(port, "m" + std::to_string(i)), "I got your message\n");
    }
  }
  std::multiset<std::string> stored = spooled_messages(spool);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(stored.count("m" + std::to_string(i)), 1u) << i;
  RunResult stats = run({ACKCTL_BINARY, "spool", "stats", spool});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("records 20\n"), std::string::npos) << stats.out;
}

// Fork mode: each connection process relays its records to its dispatcher,
// the one writer of its segment, and its ack leaves as soon as the record is
// stored, even when the client waits for it before sending anything else.
TEST_P(SpoolAckAfter, ForkModeConnectionsStoreThroughTheirDispatcherAndAckAtOnce) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string config = spool_config(port, spool, GetParam()) + "messages_per_connection = 1\n";
  config.replace(config.find("workers = 2"), 11, "mode = \"fork\"");
  constexpr int kExchanges = 20;
  {
    Daemon daemon(config);
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kExchanges; ++i) {
      UniqueFd fd = connect_tcp(port);
      send_all(fd.get(), "f" + std::to_string(i) + "\n");
      ASSERT_EQ(read_line(fd.get(), 5s), "I got your message") << i;
    }
    // 5 s when every ack waited for the sweep; a bound far from both.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  }  // a graceful stop: all that was received is stored, acked or not yet
  std::vector<std::string> segments = list_segments(spool);
  EXPECT_EQ(segments.size(), 1u) << "one segment, the dispatcher's";
  for (const std::string& path : segments) {
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_GT(st.st_size, 0) << path << " is empty";
  }
  std::multiset<std::string> stored = spooled_messages(spool);
  for (int i = 0; i < kExchanges; ++i) EXPECT_EQ(stored.count("f" + std::to_string(i)), 1u) << i;
}

// Regression: a stopping dispatcher exited as soon as it had reaped its
// last connection processes, even when their last records were still
// unread on their channels. With ack_after = "receive" the ack leaves
// before the record is relayed: acked messages were lost at a graceful
// stop (now and then in SpoolAckAfter.ForkMode.../receive). Here twenty
// connection processes finish their messages one after the other, the
// dispatcher already stopping; its spool writes are slowed (an LD_PRELOAD
// shim) to widen the window in which a child relays its record and exits
// while the dispatcher is busy between two waits.
TEST(SpoolForkMode, GracefulStopStoresWhatTheLastConnectionsRelayed) {
  constexpr int kRounds = 3;
  constexpr int kClients = 20;
  DaemonOptions options =
      with_preload(SLOW_WRITE_SHIM, {"SLOW_WRITE_SUFFIX=.akspool", "SLOW_WRITE_MS=20"});
  for (int round = 0; round < kRounds; ++round) {
    uint16_t port = free_port();
    TempDir dir;
    std::string spool = dir.path() + "/spool";
    std::string config = spool_config(port, spool, "receive", "", "fork");
    // The stop waits for the twenty however slow a loaded machine makes them.
    const std::string two_seconds = "shutdown_timeout = \"2s\"";
    config.replace(config.find(two_seconds), two_seconds.size(), "shutdown_timeout = \"60s\"");
    {
      Daemon daemon(config, options);
      std::vector<UniqueFd> clients;
      for (int c = 0; c < kClients; ++c) {
        clients.push_back(connect_tcp(port));
        send_all(clients.back().get(), "r" + std::to_string(c));  // unfinished: it holds the stop
      }
      ASSERT_TRUE(wait_until(
          [&] {
            std::optional<DaemonStatus> status = daemon_status(daemon.control_socket());
            return status && status->open_connections() == kClients;
          },
          10s));
      daemon.signal(SIGTERM);
      // The dispatcher (and the master) closed the listening socket: stopping.
      ASSERT_TRUE(wait_until([&] { return !tcp_port_listening(port); }, 5s));
      for (UniqueFd& client : clients) {
        send_all(client.get(), "\n");
        ASSERT_EQ(read_line(client.get(), 5s), "I got your message");
        // The point: paced faster than the dispatcher's slowed turns (20 ms),
        // each child relays and exits while the dispatcher is in a turn.
        std::this_thread::sleep_for(10ms);
      }
      ASSERT_TRUE(daemon.wait_for(10s));
    }
    std::multiset<std::string> stored = spooled_messages(spool);
    for (int c = 0; c < kClients; ++c) {
      EXPECT_EQ(stored.count("r" + std::to_string(c)), 1u)
          << "round " << round << ": r" << c << " was acked, and is not in the spool";
    }
  }
}

// An ERR reply stores nothing, yet with acks that wait for the spool it
// waited for a commit that no record would bring (and the connection,
// freed meanwhile, stayed on the waiting list).
TEST_P(SpoolAckAfter, ErrRepliesDoNotWaitForARecord) {
  TempDir dir;
  uint16_t port = free_port();
  std::string spool = dir.path() + "/spool";
  Daemon daemon(spool_config(port, spool, GetParam()) + "max_message = 10\n" +
                udp_listener("udp", port) + "max_message = 10\n");
  for (int round = 0; round < 3; ++round) {
    UniqueFd too_long = connect_tcp(port);
    send_all(too_long.get(), std::string(20, 'x') + "\n");
    EXPECT_EQ(read_line(too_long.get(), 2s), "ERR message too long") << "round " << round;
    EXPECT_EQ(tcp_exchange(port, "hello\n", 5s), "I got your message\n") << "round " << round;
  }
  EXPECT_EQ(udp_exchange(port, std::string(20, 'x'), 2s), "ERR message too long");
  EXPECT_EQ(udp_exchange(port, "hello", 5s), "I got your message");
}

INSTANTIATE_TEST_SUITE_P(Modes, SpoolAckAfter, ::testing::Values("receive", "write", "fsync"));

TEST(Spool, TornTailIsCutAtStartAndLogged) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  {
    Daemon daemon(spool_config(port, spool, "fsync"));
    ASSERT_EQ(ack_exchange(port, "complete one"), "I got your message\n");
    ASSERT_EQ(ack_exchange(port, "complete two"), "I got your message\n");
  }
  std::vector<std::string> segments = list_segments(spool);
  ASSERT_FALSE(segments.empty());
  {  // a crash mid-write: half a record at the end of the newest segment
    std::ofstream torn(segments.back(), std::ios::app | std::ios::binary);
    torn << std::string("AKR1\x01\x02\x03\x04\x05", 9);
  }
  RunResult before = run({ACKCTL_BINARY, "spool", "stats", spool});
  EXPECT_EQ(before.exit_code, 6) << "stats must report the torn segment";
  Daemon daemon(spool_config(port, spool, "fsync"));
  EXPECT_TRUE(daemon.wait_for_log("torn record (a crash mid-write)"));
  EXPECT_TRUE(daemon.wait_for_log("cutting 9 bytes"));
  RunResult after = run({ACKCTL_BINARY, "spool", "stats", spool});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  std::multiset<std::string> stored = spooled_messages(spool);
  EXPECT_EQ(stored.count("complete one"), 1u);
  EXPECT_EQ(stored.count("complete two"), 1u);
}

// A segment of three records written directly, as the daemon would; `damage`
// then changes its bytes. Returns the segment's path.
std::string write_segment(const std::string& spool, void (*damage)(std::string&)) {
  mkdir(spool.c_str(), 0755);
  std::string data;
  for (const char* message : {"one", "two", "three"}) {
    encode_spool_record({1700000000000000000, "tcp", "127.0.0.1:4000", message}, data);
  }
  damage(data);
  std::string path = spool + "/1700000000000-0000001-000001" + kSegmentSuffix;
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

// cat must not pass over what stats reports: the good records on stdout, a
// line naming the segment on stderr, and stats' exit code. A corrupt last
// record is the segment's tail.
TEST(Spool, CatReportsACorruptLastRecordLikeStats) {
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string segment = write_segment(spool, [](std::string& data) { data[data.size() - 2] ^= 1; });
  RunResult stats = run({ACKCTL_BINARY, "spool", "stats", spool});
  ASSERT_EQ(stats.exit_code, 6) << stats.err;
  RunResult cat = run({ACKCTL_BINARY, "spool", "cat", spool});
  EXPECT_EQ(cat.exit_code, 6) << cat.err;
  EXPECT_NE(cat.out.find("\"one\""), std::string::npos) << cat.out;
  EXPECT_NE(cat.out.find("\"two\""), std::string::npos) << cat.out;
  EXPECT_EQ(cat.out.find("three"), std::string::npos) << cat.out;
  EXPECT_NE(cat.err.find(segment + ": torn record after 2 records"), std::string::npos) << cat.err;
}

// Damage in the middle of a segment (a bad disk, a torn write that records
// followed) hides no whole record after it: readers skip it and say so, and
// recovery keeps every record around it (it cut everything from the first
// bad byte on).
TEST(Spool, DamageInTheMiddleHidesNoRecordAfterIt) {
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string segment = write_segment(spool, [](std::string& data) {
    size_t second = data.find("AKR1", 4);
    data[second + 30] ^= 1;           // the second record fails its checksum
    data.insert(second, "torn!AKR");  // and garbage comes before it
  });
  RunResult cat = run({ACKCTL_BINARY, "spool", "cat", spool});
  EXPECT_EQ(cat.exit_code, 6) << cat.err;
  EXPECT_NE(cat.out.find("\"one\""), std::string::npos) << cat.out;
  EXPECT_EQ(cat.out.find("\"two\""), std::string::npos) << cat.out;
  EXPECT_NE(cat.out.find("\"three\""), std::string::npos) << cat.out;
  EXPECT_NE(cat.err.find(segment + ": "), std::string::npos) << cat.err;
  EXPECT_NE(cat.err.find("damaged bytes in 1 place(s)"), std::string::npos) << cat.err;

  uint16_t port = free_port();
  if (passwd* nobody = getpwnam("nobody"); nobody != nullptr && geteuid() == 0) {
    // As root the workers are nobody: they wrote the segment, and recover it.
    ASSERT_EQ(chown(segment.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  }
  {
    Daemon daemon(spool_config(port, spool, "fsync"));
    EXPECT_TRUE(daemon.wait_for_log("damaged bytes in 1 place(s)"));
    ASSERT_EQ(ack_exchange(port, "four"), "I got your message\n");
  }
  RunResult after = run({ACKCTL_BINARY, "spool", "cat", spool});
  EXPECT_NE(after.out.find("\"one\""), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("\"three\""), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("\"four\""), std::string::npos) << after.out;
}

TEST(Spool, CatReportsATornTailLikeStats) {
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  std::string segment =
      write_segment(spool, [](std::string& data) { data.resize(data.size() - 3); });
  RunResult stats = run({ACKCTL_BINARY, "spool", "stats", spool});
  ASSERT_EQ(stats.exit_code, 6) << stats.err;
  RunResult cat = run({ACKCTL_BINARY, "spool", "cat", "--json", spool});
  EXPECT_EQ(cat.exit_code, 6) << cat.err;
  EXPECT_NE(cat.out.find("\"message\":\"two\""), std::string::npos) << cat.out;
  EXPECT_NE(cat.err.find(segment + ": torn record after 2 records"), std::string::npos) << cat.err;
}

// A unix peer's name is stored as its bytes, and escaped once, when shown: a
// datagram client names its own socket path; an unnamed stream client is
// named by the listener's path (here with a tab, raw in TOML).
TEST(Spool, UnixPeersAreStoredAsTheirBytes) {
  uint16_t port = free_port();
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  std::string spool = dir.path() + "/spool";
  std::string gram = dir.path() + "/g";
  std::string stream = dir.path() + "/s\tx";
  Daemon daemon(spool_config(port, spool, "fsync") +
                "[[listener]]\nname = \"gram\"\nprotocol = \"unixgram\"\npath = \"" + gram +
                "\"\n[[listener]]\nname = \"unix\"\nprotocol = \"unix\"\npath = \"" + stream +
                "\"\n");
  std::string client = dir.path() + "/c \"q\"";
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un self{};
  self.sun_family = AF_UNIX;
  std::memcpy(self.sun_path, client.data(), client.size());
  ASSERT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&self), sizeof(self)), 0);
  chmod(client.c_str(), 0666);  // the workers are nobody
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::memcpy(to.sun_path, gram.data(), gram.size());
  ASSERT_EQ(sendto(fd.get(), "one", 3, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 3);
  pollfd acked{fd.get(), POLLIN, 0};
  EXPECT_EQ(poll(&acked, 1, 5000), 1);  // acked: stored (fsync)
  UniqueFd unnamed = connect_unix(stream);
  send_all(unnamed.get(), "two\n");
  shutdown(unnamed.get(), SHUT_WR);
  EXPECT_EQ(read_until_eof(unnamed.get(), 5s), "I got your message\n");

  RunResult json = run({ACKCTL_BINARY, "spool", "cat", "--json", spool}, "", 30s);
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"peer\":\"unix:" + dir.path() + "/c \\\"q\\\"\""), std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find("\"peer\":\"unix:" + dir.path() + "/s\\u0009x\""), std::string::npos)
      << json.out;
  RunResult text = run({ACKCTL_BINARY, "spool", "cat", spool}, "", 30s);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(" gram \"unix:" + dir.path() + "/c \\\"q\\\"\" 3 \"one\""),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find(" unix \"unix:" + dir.path() + "/s\\tx\" 3 \"two\""), std::string::npos)
      << text.out;
}

TEST(Spool, MaxTotalSizeRemovesOldestSegments) {
  uint16_t port = free_port();
  TempDir dir;
  std::string spool = dir.path() + "/spool";
  Daemon daemon(
      spool_config(port, spool, "write", "segment_size = \"4KiB\"\nmax_total_size = \"16KiB\"\n"));
  std::string big(1000, 'x');
  for (int i = 0; i < 120; ++i) ASSERT_EQ(ack_exchange(port, big), "I got your message\n");
  auto total = [&] {
    uint64_t bytes = 0;
    for (const std::string& path : list_segments(spool)) {
      struct stat st {};
      if (stat(path.c_str(), &st) == 0) bytes += static_cast<uint64_t>(st.st_size);
    }
    return bytes;
  };
  // One segment per live worker may exceed the bound while it is written.
  EXPECT_TRUE(wait_until([&] { return total() <= 16 * 1024 + 2 * 5 * 1024; }, 5s)) << total();
  EXPECT_TRUE(daemon.wait_for_log("to stay under max_total_size"));
}

}  // namespace
}  // namespace ackd::test

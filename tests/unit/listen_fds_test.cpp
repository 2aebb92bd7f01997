#include "daemon/master/listen_fds.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ackd {
namespace {

constexpr pid_t kSelf = 4242;

// The one-line error for `env`, or "" if it parses.
std::string error_of(const ListenEnvironment& env) {
  try {
    parse_listen_environment(env, kSelf);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

TEST(ParseListenEnvironment, NotForUs) {
  struct Case {
    const char* pid;
    const char* fds;
    const char* fdnames;
  };
  const Case cases[] = {
      {nullptr, nullptr, nullptr},  // not socket-activated
      {nullptr, "2", "a:b"},        // no LISTEN_PID: not ours to take
      {"4242", nullptr, nullptr},   // no LISTEN_FDS
      {"4243", "2", "a:b"},         // another process's (our parent's, say)
      {"4243", "x", "a"},           // another's: its values are not ours to judge
      {"1", "1", nullptr},
  };
  for (const Case& c : cases) {
    ListenFds fds = parse_listen_environment({c.pid, c.fds, c.fdnames}, kSelf);
    EXPECT_EQ(fds.count, 0) << (c.pid ? c.pid : "(unset)");
    EXPECT_TRUE(fds.names.empty());
  }
}

TEST(ParseListenEnvironment, SocketsAndNames) {
  struct Case {
    const char* fds;
    const char* fdnames;
    std::vector<std::string> names;
  };
  const std::string longest(255, 'n');
  const Case cases[] = {
      {"1", nullptr, {""}},  // systemd-socket-activate without --fdname
      {"3", nullptr, {"", "", ""}},
      {"1", "tcp", {"tcp"}},
      {"2", "tcp:udp", {"tcp", "udp"}},
      {"2", "unknown:udp", {"", "udp"}},  // systemd's name for an unnamed one
      {"2", ":udp", {"", "udp"}},         // empty is a valid (unnamed) name
      {"2", "tcp:", {"tcp", ""}},
      {"1", "with space-and.dots_", {"with space-and.dots_"}},
      {"1", longest.c_str(), {longest}},
  };
  for (const Case& c : cases) {
    ListenFds fds = parse_listen_environment({"4242", c.fds, c.fdnames}, kSelf);
    EXPECT_EQ(fds.count, static_cast<int>(c.names.size())) << c.fds;
    EXPECT_EQ(fds.names, c.names) << (c.fdnames ? c.fdnames : "(unset)");
  }
}

// systemd 258's LISTEN_PIDFDID names the process by its pidfd: another
// pidfd means the sockets are not ours even when LISTEN_PID matches; where
// the own pidfd id is unknown (no pidfs), LISTEN_PID alone decides.
TEST(ParseListenEnvironment, PidfdIdMustBeOurs) {
  constexpr uint64_t kOurs = 1607976;
  EXPECT_EQ(parse_listen_environment({"4242", "1", "tcp", "1607976"}, kSelf, kOurs).count, 1);
  EXPECT_EQ(parse_listen_environment({"4242", "1", "tcp", "1607977"}, kSelf, kOurs).count, 0);
  EXPECT_EQ(parse_listen_environment({"4242", "1", "tcp", "1607977"}, kSelf, std::nullopt).count,
            1);
  EXPECT_EQ(parse_listen_environment({"4243", "1", "tcp", "1607976"}, kSelf, kOurs).count, 0);
  EXPECT_EQ(error_of({"4242", "1", nullptr, "x1"}),
            "LISTEN_PIDFDID=\"x1\": not a pidfd inode number");
  EXPECT_EQ(error_of({"4242", "1", nullptr, ""}), "LISTEN_PIDFDID=\"\": not a pidfd inode number");
}

TEST(ParseListenEnvironment, MalformedValuesAreOneLineErrors) {
  struct Case {
    const char* pid;
    const char* fds;
    const char* fdnames;
    std::string error;
  };
  const std::string long_name(256, 'n');
  const Case cases[] = {
      {"", "1", nullptr, "LISTEN_PID=\"\": not a process id"},
      {"12x", "1", nullptr, "LISTEN_PID=\"12x\": not a process id"},
      {" 4242", "1", nullptr, "LISTEN_PID=\" 4242\": not a process id"},
      {"+4242", "1", nullptr, "LISTEN_PID=\"+4242\": not a process id"},
      {"-1", "1", nullptr, "LISTEN_PID=\"-1\": not a process id"},
      {"0", "1", nullptr, "LISTEN_PID=\"0\": not a process id"},
      {"04242", "1", nullptr, "LISTEN_PID=\"04242\": not a process id"},
      {"99999999999999999999", "1", nullptr,
       "LISTEN_PID=\"99999999999999999999\": not a process id"},
      {"4242", "", nullptr, "LISTEN_FDS=\"\": not a number of sockets from 1 to 2147483644"},
      {"4242", "0", nullptr, "LISTEN_FDS=\"0\": not a number of sockets from 1 to 2147483644"},
      {"4242", "-1", nullptr, "LISTEN_FDS=\"-1\": not a number of sockets from 1 to 2147483644"},
      {"4242", "0x2", nullptr, "LISTEN_FDS=\"0x2\": not a number of sockets from 1 to 2147483644"},
      {"4242", "2 ", nullptr, "LISTEN_FDS=\"2 \": not a number of sockets from 1 to 2147483644"},
      {"4242", "2147483645", nullptr,
       "LISTEN_FDS=\"2147483645\": not a number of sockets from 1 to 2147483644"},
      {"4242", "2", "tcp", "LISTEN_FDNAMES=\"tcp\": 1 name(s) for LISTEN_FDS=2 sockets"},
      {"4242", "1", "tcp:udp", "LISTEN_FDNAMES=\"tcp:udp\": 2 name(s) for LISTEN_FDS=1 sockets"},
      {"4242", "1", "", "LISTEN_FDNAMES=\"\": 0 name(s) for LISTEN_FDS=1 sockets"},
      {"4242", "1", "a\x1b[2Jb",
       "LISTEN_FDNAMES=\"a\\e[2Jb\": name 1 is not printable ASCII of at most 255 characters"},
      {"4242", "2", "tcp:caf\xc3\xa9",
       "LISTEN_FDNAMES=\"tcp:café\": name 2 is not printable ASCII of at most 255 characters"},
      {"4242", "1", long_name.c_str(),
       "LISTEN_FDNAMES=\"" + long_name +
           "\": name 1 is not printable ASCII of at most 255 characters"},
  };
  for (const Case& c : cases) {
    std::string error = error_of({c.pid, c.fds, c.fdnames});
    EXPECT_EQ(error, c.error);
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace ackd

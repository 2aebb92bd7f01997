#include "daemon/config/config.h"

#include <gtest/gtest.h>

#include "daemon/service/service.h"

namespace ackd {
namespace {

constexpr const char* kFull = R"toml(
[daemon]
mode = "fork"
workers = 3
user = "ackd"
group = "ackd"
shutdown_timeout = "2s"
log_messages = false
max_children = 64

[[listener]]
name = "tcp"
protocol = "tcp"
address = "[::]:51717"
ack = "ok"
max_message = 100
messages_per_connection = 1
lingering_close = "always"
defer_accept = "3s"

[[listener]]
name = "udp"
protocol = "udp"
address = "127.0.0.1:51717"
service = "echo"

[[listener]]
name = "local"
protocol = "unix"
path = "/run/ackd/ackd.sock"
mode = "0600"

[[listener]]
name = "gram"
protocol = "unixgram"
path = "/run/ackd/ackd.dgram"
)toml";

// What a listener's service answers to `message`.
std::string reply_of(const ListenerConfig& listener, std::string_view message) {
  std::string reply;
  make_service(listener)->respond(message, reply);
  return reply;
}

TEST(Config, ParsesEveryKey) {
  Config c = parse_config(kFull, "test.conf");
  EXPECT_EQ(c.daemon.mode, ProcessMode::kFork);
  EXPECT_EQ(c.daemon.workers, 3u);
  EXPECT_EQ(c.daemon.user, "ackd");
  EXPECT_EQ(c.daemon.group, "ackd");
  EXPECT_EQ(c.daemon.shutdown_timeout, std::chrono::seconds(2));
  EXPECT_FALSE(c.daemon.log_messages);
  EXPECT_EQ(c.daemon.max_children, 64u);
  ASSERT_EQ(c.listeners.size(), 4u);
  const ListenerConfig& tcp = c.listeners[0];
  EXPECT_EQ(tcp.protocol, Protocol::kTcp);
  EXPECT_EQ(tcp.address.host, "::");
  EXPECT_EQ(tcp.address.port, 51717);
  EXPECT_EQ(tcp.service, "ack");
  EXPECT_EQ(reply_of(tcp, "hello"), "ok");
  EXPECT_EQ(tcp.max_message, 100u);
  EXPECT_EQ(tcp.messages_per_connection, 1u);
  EXPECT_EQ(tcp.lingering_close, LingeringClose::kAlways);
  EXPECT_EQ(tcp.defer_accept, std::chrono::seconds(3));
  EXPECT_EQ(c.listeners[1].protocol, Protocol::kUdp);
  EXPECT_EQ(c.listeners[1].service, "echo");
  EXPECT_EQ(reply_of(c.listeners[1], "hello"), "hello");
  EXPECT_EQ(c.listeners[2].path, "/run/ackd/ackd.sock");
  EXPECT_EQ(c.listeners[2].mode, 0600u);
  EXPECT_EQ(c.listeners[3].protocol, Protocol::kUnixgram);
  EXPECT_EQ(c.listeners[3].mode, 0660u);
  EXPECT_EQ(c.find_listener("local"), &c.listeners[2]);
}

TEST(Config, DefaultsMatchTheSpec) {
  Config c = parse_config("[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\n", "x");
  EXPECT_EQ(c.daemon.mode, ProcessMode::kPrefork);
  EXPECT_EQ(c.daemon.workers, 0u);  // auto
  EXPECT_GE(c.daemon.resolved_workers(), 1u);
  EXPECT_EQ(c.daemon.shutdown_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(c.daemon.log_messages);
  EXPECT_EQ(c.listeners[0].service, "ack");
  EXPECT_EQ(reply_of(c.listeners[0], "hello"), "I got your message");
  EXPECT_EQ(c.listeners[0].max_message, 65536u);
  EXPECT_EQ(c.listeners[0].messages_per_connection, 0u);
  EXPECT_EQ(c.listeners[0].defer_accept, std::chrono::seconds(1));
}

TEST(Config, DeferAcceptZeroTurnsItOff) {
  Config c = parse_config(
      "[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\ndefer_accept='0s'\n", "x");
  EXPECT_EQ(c.listeners[0].defer_accept, std::chrono::seconds(0));
}

TEST(Config, WorkersAuto) {
  Config c = parse_config(
      "[daemon]\nworkers = 'auto'\n[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\n", "x");
  EXPECT_EQ(c.daemon.workers, 0u);
}

TEST(Config, DispatchersShareMaxChildren) {
  const char* listener = "[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\n";
  Config one = parse_config(std::string("[daemon]\nmode = 'fork'\n") + listener, "x");
  EXPECT_EQ(one.daemon.resolved_dispatchers(), 1u);
  EXPECT_EQ(one.daemon.max_children_of(0), 512u);
  Config three = parse_config(
      std::string("[daemon]\nmode = 'fork'\ndispatchers = 3\nmax_children = 10\n") + listener, "x");
  EXPECT_EQ(three.daemon.resolved_dispatchers(), 3u);
  EXPECT_EQ(three.daemon.max_children_of(0) + three.daemon.max_children_of(1) +
                three.daemon.max_children_of(2),
            10u);
  EXPECT_EQ(three.daemon.max_children_of(0), 4u);
  EXPECT_EQ(three.daemon.max_children_of(2), 3u);
  // No dispatcher without a child to start.
  Config capped = parse_config(
      std::string("[daemon]\nmode = 'fork'\ndispatchers = 8\nmax_children = 2\n") + listener, "x");
  EXPECT_EQ(capped.daemon.resolved_dispatchers(), 2u);
  Config automatic = parse_config(std::string("[daemon]\ndispatchers = 'auto'\n") + listener, "x");
  EXPECT_EQ(automatic.daemon.dispatchers, 0u);
  EXPECT_GE(automatic.daemon.resolved_dispatchers(), 1u);
}

TEST(Config, EmbeddedDefaultIsTcpAndUdpOnTheTutorialPort) {
  Config c = default_config();
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].describe(), "tcp 127.0.0.1:51717");
  EXPECT_EQ(c.listeners[1].describe(), "udp 127.0.0.1:51717");
}

// Each bad config, and the one error line it must produce (file:line:col: key: why).
struct BadCase {
  const char* name;
  const char* text;
  const char* expected;
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, NamesFileLineAndKey) {
  const BadCase& c = GetParam();
  try {
    parse_config(c.text, "/etc/ackd/ackd.conf");
    FAIL() << "accepted: " << c.text;
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u) << e.what();
    EXPECT_NE(e.problems()[0].find(c.expected), std::string::npos)
        << "got: " << e.problems()[0] << "\nwanted: " << c.expected;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadConfig,
    ::testing::Values(
        BadCase{"syntax", "[daemon\n", "/etc/ackd/ackd.conf:1:8: syntax error"},
        BadCase{"unknown_daemon_key",
                "[daemon]\nworkerz = 2\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                "/etc/ackd/ackd.conf:2:1: daemon.workerz: unknown key"},
        BadCase{"unknown_listener_key",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nport=1\n",
                "/etc/ackd/ackd.conf:5:1: listener[0].port: unknown key"},
        BadCase{"unknown_top_key",
                "[deamon]\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                "/etc/ackd/ackd.conf:1:2: deamon: unknown key"},
        BadCase{
            "bad_mode",
            "[daemon]\nmode = 'threads'\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
            ":2:8: daemon.mode: unknown mode \"threads\""},
        BadCase{"bad_workers",
                "[daemon]\nworkers = 0\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:11: daemon.workers: expected \"auto\" or a number from 1 to 1024"},
        BadCase{"bad_dispatchers",
                "[daemon]\ndispatchers = 'many'\n[[listener]]\nname='a'\nprotocol='tcp'\n"
                "address='h:1'\n",
                ":2:15: daemon.dispatchers: expected \"auto\" or a number from 1 to 1024"},
        // Not "expected an integer": the string "auto" is one of the answers.
        BadCase{"workers_in_capitals",
                "[daemon]\nworkers = 'AUTO'\n[[listener]]\nname='a'\nprotocol='tcp'\n"
                "address='h:1'\n",
                ":2:11: daemon.workers: expected \"auto\" or a number from 1 to 1024"},
        BadCase{"workers_too_many",
                "[daemon]\nworkers = 5000\n[[listener]]\nname='a'\nprotocol='tcp'\n"
                "address='h:1'\n",
                ":2:11: daemon.workers: expected \"auto\" or a number from 1 to 1024"},
        BadCase{"max_children_not_a_number",
                "[daemon]\nmax_children = 'lots'\n[[listener]]\nname='a'\nprotocol='tcp'\n"
                "address='h:1'\n",
                ":2:16: daemon.max_children: expected an integer from 1 to 100000"},
        BadCase{"bad_duration",
                "[daemon]\nshutdown_timeout = '10 "
                "seconds'\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:20: daemon.shutdown_timeout: \"10 seconds\" is not a duration"},
        BadCase{"duration_not_string",
                "[daemon]\nshutdown_timeout = "
                "10\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:20: daemon.shutdown_timeout: expected a duration like \"10s\" or \"250ms\""},
        BadCase{"mode_not_string",
                "[daemon]\nmode = 1\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:8: daemon.mode: expected \"prefork\" or \"fork\""},
        BadCase{"bad_bool",
                "[daemon]\nlog_messages = "
                "'yes'\n[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:16: daemon.log_messages: expected true or false"},
        BadCase{"no_listener", "[daemon]\nworkers = 1\n", "listener: no [[listener]] configured"},
        BadCase{"bad_protocol", "[[listener]]\nname='a'\nprotocol='sctp'\naddress='h:1'\n",
                ":3:10: listener[0].protocol: unknown protocol \"sctp\""},
        BadCase{"missing_protocol", "[[listener]]\nname='a'\naddress='h:1'\n",
                ":1:1: listener[0].protocol: missing"},
        BadCase{"missing_name", "[[listener]]\nprotocol='tcp'\naddress='h:1'\n",
                ":1:1: listener[0].name: missing"},
        BadCase{"bad_name", "[[listener]]\nname='a b'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:6: listener[0].name: \"a b\" is not a name"},
        BadCase{"duplicate_name",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n[[listener]]\nname='a'"
                "\nprotocol='udp'\naddress='h:1'\n",
                ":5:1: listener[1].name: duplicate name \"a\""},
        BadCase{"duplicate_binding",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n[[listener]]\nname='b'"
                "\nprotocol='tcp'\naddress='h:1'\n",
                "listener[1].address: listeners \"a\" and \"b\" both use tcp h:1"},
        BadCase{"bad_address_no_port",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='127.0.0.1'\n",
                ":4:9: listener[0].address: \"127.0.0.1\" has no port"},
        BadCase{"bad_address_port",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='127.0.0.1:99999'\n",
                ":4:9: listener[0].address: port \"99999\" is not a number from 1 to 65535"},
        BadCase{"v6_without_brackets", "[[listener]]\nname='a'\nprotocol='tcp'\naddress='::1:80'\n",
                "listener[0].address: IPv6 address in \"::1:80\" must be in brackets"},
        BadCase{"missing_address", "[[listener]]\nname='a'\nprotocol='udp'\n",
                ":1:1: listener[0].address: missing"},
        BadCase{"missing_path", "[[listener]]\nname='a'\nprotocol='unix'\n",
                "listener[0].path: missing"},
        BadCase{"path_on_tcp", "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\npath='/x'\n",
                ":5:6: listener[0].path: only unix and unixgram listeners take a path"},
        BadCase{"address_on_unix",
                "[[listener]]\nname='a'\nprotocol='unix'\npath='/x'\naddress='h:1'\n",
                "listener[0].address: unix listeners take a path"},
        BadCase{"bad_file_mode", "[[listener]]\nname='a'\nprotocol='unix'\npath='/x'\nmode='rw'\n",
                ":5:6: listener[0].mode: \"rw\" is not an octal mode"},
        BadCase{"path_too_long",
                "[[listener]]\nname='a'\nprotocol='unix'\npath='/"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n",
                "listener[0].path: unix socket path must be"},
        BadCase{"ack_with_newline",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nack=\"a\\nb\"\n",
                ":5:5: listener[0].ack: must not contain a line break"},
        BadCase{"max_message_zero",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nmax_message=0\n",
                ":5:13: listener[0].max_message: must be from 1 to 16MiB"},
        BadCase{"max_message_too_large",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nmax_message='17MiB'\n",
                ":5:13: listener[0].max_message: must be from 1 to 16MiB"},
        BadCase{"max_message_not_a_size",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nmax_message=1.5\n",
                ":5:13: listener[0].max_message: expected a size: a number of bytes or a string "
                "like \"64MiB\""},
        BadCase{
            "mpc_on_udp",
            "[[listener]]\nname='a'\nprotocol='udp'\naddress='h:1'\nmessages_per_connection=1\n",
            "listener[0].messages_per_connection: datagram listeners have no connections"},
        BadCase{
            "mpc_negative",
            "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nmessages_per_connection=-1\n",
            "listener[0].messages_per_connection: must be 0 or more"},
        BadCase{"lingering_close_unknown",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nlingering_close='on'\n",
                ":5:17: listener[0].lingering_close: unknown lingering_close \"on\" (expected auto "
                "or always)"},
        BadCase{"lingering_close_on_udp",
                "[[listener]]\nname='a'\nprotocol='udp'\naddress='h:1'\nlingering_close='auto'\n",
                "listener[0].lingering_close: datagram listeners have no connections"},
        BadCase{"defer_accept_fraction",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\ndefer_accept='1500ms'\n",
                ":5:14: listener[0].defer_accept: must be whole seconds from \"0s\" to \"1m\""},
        BadCase{"defer_accept_too_long",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\ndefer_accept='2m'\n",
                "listener[0].defer_accept: must be whole seconds"},
        BadCase{"defer_accept_on_unix",
                "[[listener]]\nname='a'\nprotocol='unix'\npath='/tmp/a'\ndefer_accept='1s'\n",
                "listener[0].defer_accept: only tcp listeners defer accepting"},
        BadCase{"defer_accept_on_udp",
                "[[listener]]\nname='a'\nprotocol='udp'\naddress='h:1'\ndefer_accept='1s'\n",
                "listener[0].defer_accept: only tcp listeners defer accepting"},
        BadCase{"listener_not_array", "listener = 3\n",
                ":1:12: listener: must be an array of tables"},
        // Each of these passed the check and then failed at run time.
        BadCase{"service_unknown",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nservice='nope'\n",
                ":5:9: listener[0].service: unknown service \"nope\" (expected ack, echo or "
                "haproxy-agent)"},
        BadCase{"ack_on_an_echo_listener",
                "[[listener]]\nname='a'\nprotocol='unix'\npath='/tmp/a'\nservice='echo'\n"
                "ack='hi'\n",
                ":6:5: listener[0].ack: only the ack service takes an ack text"},
        BadCase{"service_not_a_string",
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\nservice=['ack']\n",
                ":5:9: listener[0].service: expected a service name (ack, echo or haproxy-agent)"},
        BadCase{"unix_and_unixgram_on_one_path",
                "[[listener]]\nname='a'\nprotocol='unix'\npath='/tmp/s'\n"
                "[[listener]]\nname='b'\nprotocol='unixgram'\npath='/tmp/s'\n",
                ":5:1: listener[1].path: listeners \"a\" and \"b\" both use"},
        BadCase{"worker_timeout_below_the_heartbeat",
                "[daemon]\nworker_timeout='200ms'\n"
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:16: daemon.worker_timeout: must be at least 1s"},
        // It acked "fsync" while it stored nothing.
        BadCase{"spool_path_empty",
                "[spool]\npath = ''\nack_after = 'fsync'\n"
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:8: spool.path: must not be empty (to run without a spool, remove the [spool] "
                "table)"},
        // Not "expected a string": a size may be an integer, only not a negative one.
        BadCase{"segment_size_negative",
                "[spool]\npath = '/x'\nsegment_size = -5\n"
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":3:16: spool.segment_size: expected a size: a number of bytes or a string like "
                "\"64MiB\""},
        BadCase{"max_total_size_not_a_size",
                "[spool]\npath = '/x'\nmax_total_size = true\n"
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":3:18: spool.max_total_size: expected a size: a number of bytes or a string like "
                "\"64MiB\""},
        BadCase{"udp_reply_burst_negative",
                "[daemon]\nudp_reply_burst = -1\n"
                "[[listener]]\nname='a'\nprotocol='tcp'\naddress='h:1'\n",
                ":2:19: daemon.udp_reply_burst: expected a size: a number of bytes"},
        // Only a run-time warning before: the control socket could not be bound.
        BadCase{"listener_on_the_control_socket",
                "[daemon]\ncontrol_socket = '/tmp/ackd.ctl'\n"
                "[[listener]]\nname='a'\nprotocol='unix'\npath='/tmp/ackd.ctl'\n",
                ":6:6: listener[0].path: \"/tmp/ackd.ctl\" is daemon.control_socket too (each "
                "socket needs a path of its own)"},
        BadCase{"unixgram_listener_on_the_default_control_socket",
                "[[listener]]\nname='a'\nprotocol='unixgram'\npath='/run/ackd/control.sock'\n",
                ":4:6: listener[0].path: \"/run/ackd/control.sock\" is daemon.control_socket too"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(Config, Spool) {
  Config c = parse_config(
      "[spool]\npath = '/var/lib/ackd/spool'\nack_after = 'fsync'\nsegment_size = '16MiB'\n"
      "max_total_size = 1048576\n[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\n",
      "x");
  EXPECT_TRUE(c.spool.enabled());
  EXPECT_EQ(c.spool.ack_after, AckAfter::kFsync);
  EXPECT_EQ(c.spool.segment_size, 16u << 20);
  EXPECT_EQ(c.spool.max_total_size, 1u << 20);
  Config none = parse_config("[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\n", "x");
  EXPECT_FALSE(none.spool.enabled());
  EXPECT_EQ(none.spool.ack_after, AckAfter::kWrite);  // the default once a path is set
}

TEST(Config, SizesTakeUnits) {
  Config c = parse_config(
      "[daemon]\nudp_reply_burst = '8KiB'\n"
      "[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\nmax_message = '1MiB'\n",
      "x");
  EXPECT_EQ(c.daemon.udp_reply_burst, 8192u);
  EXPECT_EQ(c.listeners[0].max_message, 1u << 20);
}

TEST(Config, SpoolErrorsNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"[spool]\nack_after = 'later'\npath='/x'\n", "x:2:13: spool.ack_after: unknown ack_after"},
      {"[spool]\npath='/x'\nsegment_size = '10 parsecs'\n",
       "x:3:16: spool.segment_size: \"10 parsecs\""},
      {"[spool]\npath='/x'\nsegment_size = 10\n", "spool.segment_size: must be 4KiB or more"},
      {"[spool]\nack_after='write'\n", "spool.path: missing"},
      {"[spool]\npath='/x'\nsync = true\n", "x:3:1: spool.sync: unknown key"},
  };
  for (const auto& [text, expected] : cases) {
    std::string config =
        std::string(text) + "[[listener]]\nname='t'\nprotocol='tcp'\naddress='h:1'\n";
    try {
      parse_config(config, "x");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(Config, ReportsEveryProblemAtOnce) {
  try {
    parse_config("[daemon]\nmode='x'\nworkers=-1\n[[listener]]\nname='a'\nprotocol='q'\n", "f");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_GE(e.problems().size(), 3u) << e.what();
  }
}

// A machine with the user and the group "ackd" and the directories /run and
// /var/log/ackd, and nothing else.
Machine fake_machine() {
  Machine machine;
  machine.user_exists = [](const std::string& name) { return name == "ackd"; };
  machine.group_exists = [](const std::string& name) { return name == "ackd"; };
  machine.is_directory = [](const std::string& path) {
    return path == "/run" || path == "/var/log/ackd";
  };
  return machine;
}

constexpr const char* kUnixListener =
    "[[listener]]\nname='a'\nprotocol='unix'\npath='/run/a.sock'\n";

TEST(Config, AcceptsWhatThisMachineHas) {
  Machine machine = fake_machine();
  Config c =
      parse_config(std::string("[daemon]\nuser='ackd'\ngroup='ackd'\n"
                               "log_file='/var/log/ackd/ackd.log'\npidfile='/run/ackd.pid'\n") +
                       kUnixListener + "owner='ackd'\ngroup='ackd'\n",
                   "x", &machine);
  EXPECT_EQ(c.daemon.user, "ackd");
}

// Each of these passed --check-config, and then the daemon failed to start.
TEST(Config, NamesWhatThisMachineLacks) {
  const std::pair<std::string, const char*> cases[] = {
      {"[daemon]\nuser = 'ackdd'\n", "x:2:8: daemon.user: no such user \"ackdd\""},
      {"[daemon]\ngroup = 'ackdd'\n", "x:2:9: daemon.group: no such group \"ackdd\""},
      {"[daemon]\nlog_file = '/var/log/ackdd/ackd.log'\n",
       "x:2:12: daemon.log_file: no directory \"/var/log/ackdd\" (ackd creates the file, not "
       "its directory)"},
      {"[daemon]\npidfile = '/run/ackd/ackd.pid'\n",
       "x:2:11: daemon.pidfile: no directory \"/run/ackd\""},
      {std::string(kUnixListener) + "owner = 'nobody-here'\n",
       "x:5:9: listener[0].owner: no such user \"nobody-here\""},
      {std::string(kUnixListener) + "group = 'nogroup-here'\n",
       "x:5:9: listener[0].group: no such group \"nogroup-here\""},
  };
  Machine machine = fake_machine();
  for (const auto& [text, expected] : cases) {
    std::string config =
        text.find("[[listener]]") != std::string::npos ? text : text + kUnixListener;
    try {
      parse_config(config, "x", &machine);
      ADD_FAILURE() << "accepted: " << config;
    } catch (const ConfigError& e) {
      ASSERT_EQ(e.problems().size(), 1u) << e.what();
      EXPECT_NE(e.problems()[0].find(expected), std::string::npos)
          << "got: " << e.problems()[0] << "\nwanted: " << expected;
    }
    // The text alone is valid: only a machine can say what it lacks.
    EXPECT_NO_THROW(parse_config(config, "x"));
  }
}

TEST(Config, ADirectoryIsNotAConfigFile) {
  try {
    load_config("/tmp");
    FAIL();
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0], "/tmp: cannot read: Is a directory");
  }
}

TEST(Config, MissingFileIsOneClearLine) {
  try {
    load_config("/nonexistent/ackd.conf");
    FAIL();
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0], "/nonexistent/ackd.conf: cannot open: No such file or directory");
  }
}

}  // namespace
}  // namespace ackd

#include "client/bench_options.h"

#include <gtest/gtest.h>

#include "client/client_error.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

BenchOptions inet(const std::string& mode = "") {
  BenchOptions options;
  options.operands = {"127.0.0.1", "51717"};
  options.mode = mode;
  return options;
}

// The usage error make_bench_plan throws for `options`, or "" if none.
std::string usage_error(const BenchOptions& options) {
  try {
    make_bench_plan(options, 2);
  } catch (const ClientError& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage) << e.what();
    return e.what();
  }
  return "";
}

TEST(AckctlBenchOptionsTest, Defaults) {
  BenchPlan plan = make_bench_plan(inet(), 4);
  EXPECT_EQ(plan.mode, "keep");
  EXPECT_EQ(plan.pattern, BenchPattern::kKeepAlive);
  EXPECT_EQ(plan.endpoint.host, "127.0.0.1");
  EXPECT_EQ(plan.endpoint.port, 51717);
  EXPECT_EQ(plan.concurrency, 32u);
  EXPECT_EQ(plan.threads, 4u);  // one per CPU
  EXPECT_EQ(plan.duration, std::chrono::seconds(10));
  EXPECT_EQ(plan.messages, 0u);
  EXPECT_EQ(plan.size, 16u);
  EXPECT_EQ(plan.timeout, std::chrono::seconds(5));
  EXPECT_EQ(plan.expect, BenchExpect::kAck);
  EXPECT_EQ(plan.ack, "I got your message");
  EXPECT_EQ(plan.target(), "tcp 127.0.0.1:51717");
}

TEST(AckctlBenchOptionsTest, ExpectEchoOrAnAck) {
  BenchOptions options = inet();
  options.expect = "echo";
  EXPECT_EQ(make_bench_plan(options, 2).expect, BenchExpect::kEcho);
  options.ack = "ok";  // an ack line means nothing to an echo
  EXPECT_NE(usage_error(options).find("--ack"), std::string::npos);
  options.expect = "ack";
  BenchPlan plan = make_bench_plan(options, 2);
  EXPECT_EQ(plan.expect, BenchExpect::kAck);
  EXPECT_EQ(plan.ack, "ok");
  options.expect = "mirror";
  EXPECT_NE(usage_error(options).find("--expect must be ack or echo"), std::string::npos);
}

TEST(AckctlBenchOptionsTest, Ipv6HostInBrackets) {
  BenchOptions options = inet();
  options.operands[0] = "[::1]";
  EXPECT_EQ(make_bench_plan(options, 2).endpoint.host, "::1");
}

TEST(AckctlBenchOptionsTest, ModesAndTheirTargets) {
  struct {
    const char* mode;
    const char* unix_path;
    const char* unixgram_path;
    BenchPattern pattern;
    const char* target;
  } cases[] = {
      {"conn", "", "", BenchPattern::kConnection, "tcp 127.0.0.1:51717"},
      {"keep", "", "", BenchPattern::kKeepAlive, "tcp 127.0.0.1:51717"},
      {"udp", "", "", BenchPattern::kDatagram, "udp 127.0.0.1:51717"},
      {"", "/run/s", "", BenchPattern::kKeepAlive, "unix /run/s"},
      {"unix", "/run/s", "", BenchPattern::kKeepAlive, "unix /run/s"},
      {"conn", "/run/s", "", BenchPattern::kConnection, "unix /run/s"},
      {"", "", "/run/g", BenchPattern::kDatagram, "unixgram /run/g"},
      {"unixgram", "", "/run/g", BenchPattern::kDatagram, "unixgram /run/g"},
  };
  for (const auto& c : cases) {
    BenchOptions options = inet(c.mode);
    if (*c.unix_path || *c.unixgram_path) options.operands.clear();
    options.unix_path = c.unix_path;
    options.unixgram_path = c.unixgram_path;
    BenchPlan plan = make_bench_plan(options, 2);
    EXPECT_EQ(plan.pattern, c.pattern) << c.mode << " " << c.target;
    EXPECT_EQ(plan.target(), c.target) << c.mode;
  }
}

TEST(AckctlBenchOptionsTest, RejectsModesThatDoNotFitTheTarget) {
  BenchOptions unix_udp = inet("udp");
  unix_udp.operands.clear();
  unix_udp.unix_path = "/run/s";
  EXPECT_NE(usage_error(unix_udp), "");
  BenchOptions gram_conn = inet("conn");
  gram_conn.operands.clear();
  gram_conn.unixgram_path = "/run/g";
  EXPECT_NE(usage_error(gram_conn), "");
  EXPECT_NE(usage_error(inet("unix")), "");
  EXPECT_NE(usage_error(inet("unixgram")), "");
  EXPECT_NE(usage_error(inet("pipeline")).find("--mode must be one of"), std::string::npos);
}

TEST(AckctlBenchOptionsTest, TargetMustBeExactlyOne) {
  BenchOptions none;
  EXPECT_NE(usage_error(none), "");
  BenchOptions both = inet();
  both.unix_path = "/run/s";
  EXPECT_NE(usage_error(both), "");
  BenchOptions host_only;
  host_only.operands = {"localhost"};
  EXPECT_NE(usage_error(host_only), "");
  BenchOptions bad_port;
  bad_port.operands = {"localhost", "70000"};
  EXPECT_NE(usage_error(bad_port), "");
}

TEST(AckctlBenchOptionsTest, RejectsBadNumbers) {
  auto with = [](auto change) {
    BenchOptions options = inet();
    change(options);
    return usage_error(options);
  };
  EXPECT_NE(with([](BenchOptions& o) { o.concurrency = 0; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.concurrency = kMaxConcurrency + 1; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.threads = kMaxThreads + 1; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.size = 0; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.size = kMaxStreamMessage + 1; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.messages = -1; }).find("--messages"), std::string::npos);
  EXPECT_NE(with([](BenchOptions& o) { o.duration = "0s"; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.duration = "soon"; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.timeout = "0ms"; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.ack = ""; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.ack = "two\nlines"; }), "");
  EXPECT_NE(with([](BenchOptions& o) { o.ack = std::string(kMaxAck + 1, 'a'); }), "");
  EXPECT_NE(with([](BenchOptions& o) {
              o.mode = "udp";
              o.size = kMaxDatagramMessage + 1;
            }),
            "");
  EXPECT_NE(with([](BenchOptions& o) {
              o.mode = "udp";
              o.idle = 10;
            }),
            "");
  EXPECT_EQ(with([](BenchOptions& o) { o.size = kMaxStreamMessage; }), "");
}

TEST(AckctlBenchOptionsTest, ThreadsNeverExceedConcurrency) {
  BenchOptions options = inet();
  options.concurrency = 3;
  options.threads = 8;
  EXPECT_EQ(make_bench_plan(options, 2).threads, 3u);
  options.threads = 0;
  EXPECT_EQ(make_bench_plan(options, 16).threads, 3u);
}

TEST(AckctlBenchOptionsTest, MessagesAloneHaveNoDuration) {
  BenchOptions options = inet();
  options.messages = 1000;
  BenchPlan plan = make_bench_plan(options, 2);
  EXPECT_EQ(plan.messages, 1000u);
  EXPECT_FALSE(plan.duration.has_value());
  options.duration = "2s";
  EXPECT_EQ(make_bench_plan(options, 2).duration, std::chrono::seconds(2));
}

}  // namespace
}  // namespace ackd::client

#include "client/bench_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>

#include "client/exit_codes.h"
#include "tests/support/json_check.h"

namespace ackd::client {
namespace {

// The number after "name": in `json`; NaN if absent.
double json_number(const std::string& json, const std::string& name) {
  size_t at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return std::nan("");
  return std::stod(json.substr(at + name.size() + 3));
}

BenchPlan keep_plan() {
  BenchPlan plan;
  plan.mode = "keep";
  plan.endpoint.host = "127.0.0.1";
  plan.endpoint.port = 51717;
  plan.threads = 2;
  plan.ack = "I got your message";
  return plan;
}

BenchResult result_with(uint64_t acks, ErrorKind kind = ErrorKind::kOther, uint64_t errors = 0) {
  BenchResult result;
  result.counts.acks = acks;
  result.counts.errors[static_cast<size_t>(kind)] = errors;
  result.seconds = 2.0;
  for (uint64_t i = 1; i <= acks; ++i) result.latency.record(i * 1000);  // 1 us .. acks us
  return result;
}

TEST(AckctlBenchReportTest, ExitCodes) {
  EXPECT_EQ(bench_exit_code(result_with(10)), kExitOk);
  EXPECT_EQ(bench_exit_code(result_with(0)), kExitFailure);
  EXPECT_EQ(bench_exit_code(result_with(0, ErrorKind::kRefused, 5)), kExitRefused);
  EXPECT_EQ(bench_exit_code(result_with(0, ErrorKind::kTimeout, 5)), kExitTimeout);
  EXPECT_EQ(bench_exit_code(result_with(0, ErrorKind::kReset, 5)), kExitProtocol);
  EXPECT_EQ(bench_exit_code(result_with(10, ErrorKind::kRefused, 1)), kExitProtocol);
  EXPECT_EQ(bench_exit_code(result_with(10, ErrorKind::kProtocol, 1)), kExitProtocol);
}

TEST(AckctlBenchReportTest, JsonHasEveryField) {
  std::string json = format_bench_json(keep_plan(), result_with(1000, ErrorKind::kTimeout, 3));
  for (const char* field :
       {"\"mode\":\"keep\"", "\"target\":\"tcp 127.0.0.1:51717\"", "\"concurrency\":32",
        "\"threads\":2", "\"expect\":\"ack\"", "\"replies\":1000,", "\"replies_per_second\":500.0",
        "\"acks\":1000,", "\"acks_per_second\":500.0", "\"errors\":3,", "\"timeout\":3",
        "\"refused\":0", "\"reset\":0", "\"protocol\":0", "\"other\":0", "\"max\":1000.0",
        "\"seconds\":2.000"}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
  // Samples of 1..1000 us: each percentile within 1% of its exact value.
  for (auto [name, expected] : {std::pair{"p50", 500.0},
                                {"p90", 900.0},
                                {"p99", 990.0},
                                {"p99.9", 999.0},
                                {"mean", 500.5}}) {
    EXPECT_NEAR(json_number(json, name), expected, expected * 0.01) << name << " in " << json;
  }
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
}

TEST(AckctlBenchReportTest, JsonEscapesTheTarget) {
  BenchPlan plan = keep_plan();
  plan.unix_socket = true;
  plan.path = "/tmp/a\"b\xff";  // a path is any bytes, not always UTF-8
  std::string json = format_bench_json(plan, result_with(1));
  EXPECT_NE(json.find("\"target\":\"unix /tmp/a\\\"b\\u00ff\""), std::string::npos) << json;
  EXPECT_TRUE(test::is_valid_json(json)) << json;
}

TEST(AckctlBenchReportTest, TextNamesRateErrorsAndPercentiles) {
  std::string text = format_bench_text(keep_plan(), result_with(1000, ErrorKind::kProtocol, 2));
  for (const char* part : {"keep", "tcp 127.0.0.1:51717", "1000", "500 replies/s", "errors:   2",
                           "protocol 2", "p50 500.", "p99.9", "max 1000.0"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " in " << text;
  }
}

}  // namespace
}  // namespace ackd::client

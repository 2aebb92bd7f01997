#include "tests/support/metrics_scrape.h"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>

#include "tests/support/http_get.h"
#include "tests/support/process.h"

namespace ackd::test {

std::string metrics_section(uint16_t port, const std::string& extra) {
  return "[metrics]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n" + extra;
}

std::optional<std::string> scrape(uint16_t port) {
  try {
    HttpReply reply = http_get(port, "/metrics", std::chrono::seconds(2));
    if (reply.status == 200) return reply.body;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

double value_in(const std::string& body, const std::string& series) {
  std::optional<double> value = metric_value(body, series);
  EXPECT_TRUE(value) << series << " is missing from:\n" << body;
  return value.value_or(-1);
}

bool promtool_found() { return run({"sh", "-c", "command -v promtool"}).exit_code == 0; }

void expect_promtool_accepts(const std::string& body) {
  RunResult lint = run({"promtool", "check", "metrics"}, body);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err << "\n" << body;
}

}  // namespace ackd::test

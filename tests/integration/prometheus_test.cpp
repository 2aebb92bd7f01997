// A real Prometheus server scrapes ackd: it runs on loopback in its own
// temporary directory, scrapes every second (asking for OpenMetrics, which
// it gets), and its query API returns the number of messages sent. Skipped, saying why, where
// prometheus is not installed (scripts/install-deps installs it: Debian's `prometheus`).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>

#include "tests/support/config_file.h"
#include "tests/support/daemon.h"
#include "tests/support/exchange.h"
#include "tests/support/http_get.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

std::string url_encoded(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The value of the first sample of an instant query, as Prometheus writes
// it: "value":[1700000000.123,"42"].
std::optional<std::string> query(uint16_t port, const std::string& expression) {
  try {
    HttpReply reply = http_get(port, "/api/v1/query?query=" + url_encoded(expression), 2s);
    std::smatch match;
    std::regex value("\"value\":\\[[0-9.]+,\"([^\"]*)\"\\]");
    if (reply.status == 200 && std::regex_search(reply.body, match, value)) return match[1];
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

TEST(Prometheus, ScrapesTheCountersOfAckd) {
  if (run({"sh", "-c", "command -v prometheus"}).exit_code != 0) {
    GTEST_SKIP() << "prometheus is not installed (Debian: prometheus)";
  }
  uint16_t port = free_port(), metrics = free_port(), web = free_port();
  Daemon daemon("[daemon]\nworkers = 2\nlog_messages = false\n" + tcp_listener("tcp", port) +
                "[metrics]\naddress = \"127.0.0.1:" + std::to_string(metrics) + "\"\n");
  // Sent before Prometheus starts: its first scrape already sees them.
  constexpr int kMessages = 25;
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(tcp_exchange(port, "m\n"), "I got your message\n");
  TempDir dir;
  std::ofstream(dir.file("prometheus.yml"))
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
         "scrape_configs:\n  - job_name: ackd\n    static_configs:\n"
         "      - targets: ['127.0.0.1:"
      << metrics << "']\n";
  Subprocess prometheus(
      {"prometheus", "--config.file=" + dir.file("prometheus.yml"),
       "--storage.tsdb.path=" + dir.file("data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(web), "--log.level=warn"},
      {}, dir.file("out.log"), dir.file("err.log"));
  auto log = [&] {
    std::ifstream file(dir.file("err.log"));
    return std::string(std::istreambuf_iterator<char>(file), {});
  };
  std::optional<std::string> messages;
  EXPECT_TRUE(wait_until(
      [&] {
        messages = query(web, "ackd_messages_total");
        return messages == std::to_string(kMessages);
      },
      15s, 100ms))
      << "ackd_messages_total: " << messages.value_or("none") << "\n"
      << log();
  // And it keeps scraping: five more show in a scrape or two.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(tcp_exchange(port, "m\n"), "I got your message\n");
  EXPECT_TRUE(wait_until(
      [&] {
        messages = query(web, "ackd_messages_total");
        return messages == std::to_string(kMessages + 5);
      },
      10s, 100ms))
      << "ackd_messages_total: " << messages.value_or("none") << "\n"
      << log();
  EXPECT_EQ(query(web, "ackd_replies_total"), std::to_string(kMessages + 5));
  EXPECT_EQ(query(web, "up{job=\"ackd\"}"), "1");
  EXPECT_EQ(query(web, "ackd_processes{role=\"worker\"}"), "2");
  EXPECT_TRUE(wait_until(
      [&] {
        return query(web, "sum(ackd_reply_latency_seconds_count)") == std::to_string(kMessages + 5);
      },
      10s, 100ms));
  // It scraped OpenMetrics: only that format declares units, and it keeps
  // a counter's metadata under the family's name, without _total.
  HttpReply unit = http_get(web, "/api/v1/targets/metadata?metric=ackd_reply_latency_seconds", 2s);
  EXPECT_NE(unit.body.find("\"unit\":\"seconds\""), std::string::npos) << unit.body;
  HttpReply counter = http_get(web, "/api/v1/targets/metadata?metric=ackd_messages", 2s);
  EXPECT_NE(counter.body.find("\"type\":\"counter\""), std::string::npos) << counter.body;
}

}  // namespace
}  // namespace ackd::test

// The OpenMetrics 1.0.0 serializer over prometheus-cpp's model: counters
// named without _total in their metadata, units, canonical `le` values,
// escaping, "# EOF"; and ackd's own families written so.
#include "daemon/metrics/exporter/openmetrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <sstream>

#include "daemon/metrics/exporter/exposition.h"

namespace ackd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

TEST(OpenMetrics, NumbersInCanonicalForm) {
  // The specification's examples ("Canonical Numbers").
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {0.001, "0.001"},
      {0.002, "0.002"},
      {0.01, "0.01"},
      {0.1, "0.1"},
      {0.9, "0.9"},
      {0.95, "0.95"},
      {0.99, "0.99"},
      {0.999, "0.999"},
      {1.0, "1.0"},
      {1.7, "1.7"},
      {10.0, "10.0"},
      {1e-10, "1e-10"},
      {1e-09, "1e-09"},
      {1e-05, "1e-05"},
      {0.0001, "0.0001"},
      {100000, "100000.0"},
      {1e+06, "1e+06"},
      {1e+10, "1e+10"},
      {2.5e-05, "2.5e-05"},
      {0.00025, "0.00025"},
      {-1, "-1.0"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(canonical_number(value), text) << text;
}

TEST(OpenMetrics, EachTypeAsTheSpecificationWritesIt) {
  std::vector<MetricFamily> families;
  MetricFamily counter{
      "app_sent_bytes_total", "Bytes \"sent\"\nto \\ clients", MetricType::Counter, {}};
  ClientMetric c;
  c.label = {{"listener", "a \"b\"\n\\"}};
  c.counter.value = 42;
  counter.metric.push_back(c);
  families.push_back(counter);

  MetricFamily gauge{"app_start_time_seconds", "When", MetricType::Gauge, {}};
  ClientMetric g;
  g.gauge.value = 1700000000.5;
  gauge.metric.push_back(g);
  g.label = {{"at", "tiny"}};
  g.gauge.value = 1e-07;
  gauge.metric.push_back(g);
  families.push_back(gauge);

  MetricFamily histogram{"app_latency_seconds", "", MetricType::Histogram, {}};
  ClientMetric h;
  h.label = {{"listener", "tcp"}};
  h.histogram.bucket = {{1, 1e-05}, {3, 0.5}, {3, 1}, {4, std::numeric_limits<double>::infinity()}};
  h.histogram.sample_count = 4;
  h.histogram.sample_sum = 2.25;
  histogram.metric.push_back(h);
  families.push_back(histogram);

  MetricFamily untyped{"app_thing", "A thing", MetricType::Untyped, {}};
  ClientMetric u;
  u.untyped.value = 0.25;
  untyped.metric.push_back(u);
  families.push_back(untyped);

  EXPECT_EQ(render_openmetrics(families),
            "# TYPE app_sent_bytes counter\n"
            "# UNIT app_sent_bytes bytes\n"
            "# HELP app_sent_bytes Bytes \\\"sent\\\"\\nto \\\\ clients\n"
            "app_sent_bytes_total{listener=\"a \\\"b\\\"\\n\\\\\"} 42\n"
            "# TYPE app_start_time_seconds gauge\n"
            "# UNIT app_start_time_seconds seconds\n"
            "# HELP app_start_time_seconds When\n"
            "app_start_time_seconds 1700000000.5\n"
            "app_start_time_seconds{at=\"tiny\"} 1e-07\n"
            "# TYPE app_latency_seconds histogram\n"
            "# UNIT app_latency_seconds seconds\n"
            "app_latency_seconds_bucket{listener=\"tcp\",le=\"1e-05\"} 1\n"
            "app_latency_seconds_bucket{listener=\"tcp\",le=\"0.5\"} 3\n"
            "app_latency_seconds_bucket{listener=\"tcp\",le=\"1.0\"} 3\n"
            "app_latency_seconds_bucket{listener=\"tcp\",le=\"+Inf\"} 4\n"
            "app_latency_seconds_count{listener=\"tcp\"} 4\n"
            "app_latency_seconds_sum{listener=\"tcp\"} 2.25\n"
            "# TYPE app_thing unknown\n"
            "# HELP app_thing A thing\n"
            "app_thing 0.25\n"
            "# EOF\n");
}

TEST(OpenMetrics, NothingToSayIsStillAnExposition) { EXPECT_EQ(render_openmetrics({}), "# EOF\n"); }

// ackd's families: every line a metadata line of the family before its
// samples, or a sample of the family last declared; no blank line; family
// names unique once the counters lose their _total; one "# EOF", last.
TEST(OpenMetrics, AckdsFamiliesAreWellFormed) {
  Scoreboard board(2);
  board.listeners().row_for("tcp");
  MasterInfo everything{"1.2.3", 1700000000, 1, /*spool_fsync=*/true, /*replication=*/true};
  std::string text = render_openmetrics(collect_metrics(board, everything, SpoolUsage{5, 1}));
  ASSERT_TRUE(text.ends_with("\n# EOF\n")) << text;
  std::istringstream lines(text);
  std::string line, family;
  std::set<std::string> families;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty()) << text;
    if (line == "# EOF") {
      EXPECT_FALSE(std::getline(lines, line)) << "after # EOF: " << line;
      break;
    }
    if (line.starts_with("# TYPE ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(family).second) << "two families named " << family;
      EXPECT_FALSE(family.ends_with("_total")) << line;
      continue;
    }
    if (line.starts_with("# ")) {
      EXPECT_TRUE(line.starts_with("# UNIT " + family + " ") ||
                  line.starts_with("# HELP " + family + " "))
          << line;
      continue;
    }
    EXPECT_TRUE(line.starts_with(family)) << line << " is not of " << family;
  }
  EXPECT_NE(text.find("# TYPE ackd_messages counter\n"), std::string::npos);
  EXPECT_NE(text.find("\nackd_messages_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ackd_reply_latency_seconds histogram\n"
                      "# UNIT ackd_reply_latency_seconds seconds\n"),
            std::string::npos);
  EXPECT_NE(text.find("# UNIT ackd_listener_received_bytes bytes\n"), std::string::npos);
  EXPECT_NE(text.find("ackd_reply_latency_seconds_bucket{listener=\"tcp\",le=\"10.0\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("ackd_spool_fsync_seconds_bucket{le=\"1e-05\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace ackd

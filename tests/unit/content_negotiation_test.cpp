#include "daemon/metrics/exporter/content_negotiation.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

TEST(ContentNegotiation, OpenMetricsOnlyWhenTheClientPrefersIt) {
  struct Case {
    const char* accept;
    Exposition expected;
  };
  const Case cases[] = {
      // Prometheus 2.42's scrape.
      {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
       "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
       Exposition::kOpenMetrics},
      {"application/openmetrics-text", Exposition::kOpenMetrics},
      {"Application/OpenMetrics-Text; Version=\"1.0.0\"; charset=utf-8", Exposition::kOpenMetrics},
      {"text/plain;q=0.2, application/openmetrics-text;q=0.3", Exposition::kOpenMetrics},
      // Plain text: no header, anything, a tie, a version not served, OpenMetrics refused.
      {"", Exposition::kText},
      {"*/*", Exposition::kText},
      {"text/plain", Exposition::kText},
      {"application/openmetrics-text, text/plain", Exposition::kText},
      {"application/openmetrics-text;version=2.0.0", Exposition::kText},
      {"application/openmetrics-text;q=0, */*", Exposition::kText},
      {"application/openmetrics-text;q=0.5, */*;q=0.9", Exposition::kText},
      {"application/openmetrics-text;q=oops", Exposition::kText},
      {"application/json", Exposition::kText},
      {",,;;=", Exposition::kText},
  };
  for (const Case& c : cases) EXPECT_EQ(choose_exposition(c.accept), c.expected) << c.accept;
}

}  // namespace
}  // namespace ackd

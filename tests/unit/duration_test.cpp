#include "common/duration.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, Valid) {
  const std::pair<const char*, int64_t> cases[] = {
      {"10s", 10000},  {"250ms", 250},   {"1.5s", 1500}, {"2m", 120000},
      {"1h", 3600000}, {"1m30s", 90000}, {"0s", 0},      {"1d", 86400000},
  };
  for (const auto& [text, ms] : cases) EXPECT_EQ(parse_duration(text), milliseconds(ms)) << text;
}

TEST(ParseDuration, Invalid) {
  for (const char* text : {"", "10", "s", "10 s", "-1s", "10x", "1.2.3s", "ms10", "400d"}) {
    EXPECT_THROW(parse_duration(text), std::invalid_argument) << text;
  }
}

TEST(FormatDuration, RoundTrips) {
  for (const char* text : {"10s", "250ms", "1m30s", "1h", "0s"}) {
    EXPECT_EQ(format_duration(parse_duration(text)), text);
  }
}

}  // namespace
}  // namespace ackd

#include "daemon/histogram_report.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/json_check.h"

namespace ackd {
namespace {

constexpr double kBounds[] = {0.000025, 0.0025, 1};

TEST(HistogramReport, SecondsInTheUnitThatReadsBest) {
  EXPECT_EQ(format_seconds(0.000025), "25us");
  EXPECT_EQ(format_seconds(0.0025), "2.5ms");
  EXPECT_EQ(format_seconds(0.25), "250ms");
  EXPECT_EQ(format_seconds(1), "1s");
  EXPECT_EQ(format_seconds(12.5), "12.5s");
  EXPECT_EQ(format_quantile_bound(0.0025, kBounds), "<=2.5ms");
  EXPECT_EQ(format_quantile_bound(INFINITY, kBounds), ">1s");
  EXPECT_EQ(format_quantile_bound(std::nullopt, kBounds), "-");
}

TEST(HistogramReport, SummaryForPeopleBucketsForScripts) {
  const uint64_t buckets[] = {1, 98, 0, 1};  // per bucket
  uint64_t sum_ns = 20'000 + 98 * 1'000'000 + 3'000'000'000;
  EXPECT_EQ(histogram_summary(kBounds, buckets, sum_ns), "mean 31ms, p50 <=2.5ms, p99 <=2.5ms");
  std::string json = histogram_json(kBounds, buckets, sum_ns);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_EQ(json, R"({"count":100,"sum_seconds":3.09802,"le":[2.5e-05,0.0025,1],)"
                  R"("buckets":[1,99,99,100]})");
  const uint64_t none[] = {0, 0, 0, 0};
  EXPECT_EQ(histogram_summary(kBounds, none, 0), "");
  EXPECT_EQ(histogram_json(kBounds, none, 0),
            R"({"count":0,"sum_seconds":0,"le":[2.5e-05,0.0025,1],"buckets":[0,0,0,0]})");
}

}  // namespace
}  // namespace ackd

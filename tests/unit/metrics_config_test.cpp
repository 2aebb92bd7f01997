#include "daemon/config/metrics_config.h"

#include <gtest/gtest.h>

#include "daemon/config/config.h"

namespace ackd {
namespace {

const std::string kListener = "[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\n";

TEST(MetricsConfig, NoSectionNoExporter) {
  EXPECT_FALSE(parse_config(kListener, "x").metrics.enabled());
}

TEST(MetricsConfig, AddressAndAllowList) {
  Config c = parse_config(
      kListener + "[metrics]\naddress = '[::1]:9751'\nallow = ['10.0.0.0/8', '::1']\n", "x");
  ASSERT_TRUE(c.metrics.enabled());
  EXPECT_EQ(c.metrics.address->to_string(), "[::1]:9751");
  EXPECT_EQ(c.metrics.allow.to_string(), "10.0.0.0/8, ::1/128");
  Config same = parse_config(
      kListener + "[metrics]\naddress = '[::1]:9751'\nallow = ['10.0.0.0/8', '::1/128']\n", "x");
  EXPECT_TRUE(c.metrics == same.metrics);
  Config other = parse_config(kListener + "[metrics]\naddress = '[::1]:9751'\n", "x");
  EXPECT_FALSE(c.metrics == other.metrics);
}

struct BadCase {
  const char* name;
  const char* text;
  const char* expected;
};

class BadMetricsConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadMetricsConfig, NamesFileLineAndKey) {
  try {
    parse_config(kListener + GetParam().text, "/etc/ackd/ackd.conf");
    FAIL() << "accepted: " << GetParam().text;
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u) << e.what();
    EXPECT_NE(e.problems()[0].find(GetParam().expected), std::string::npos)
        << "got: " << e.problems()[0] << "\nwanted: " << GetParam().expected;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadMetricsConfig,
    ::testing::Values(
        BadCase{"no_address", "[metrics]\nallow = ['10.0.0.0/8']\n",
                "/etc/ackd/ackd.conf:5:1: metrics.address: missing"},
        BadCase{"bad_address", "[metrics]\naddress = 'localhost'\n",
                "/etc/ackd/ackd.conf:6:11: metrics.address:"},
        BadCase{"unknown_key", "[metrics]\naddress = '127.0.0.1:9'\npath = '/m'\n",
                "/etc/ackd/ackd.conf:7:1: metrics.path: unknown key"},
        BadCase{"allow_not_a_list", "[metrics]\naddress = '127.0.0.1:9'\nallow = '10.0.0.0/8'\n",
                "/etc/ackd/ackd.conf:7:9: metrics.allow: expected a list of address ranges"},
        BadCase{"allow_bad_block",
                "[metrics]\naddress = '127.0.0.1:9'\nallow = ['10.0.0.0/8', '10.0.0.0/40']\n",
                "/etc/ackd/ackd.conf:7:24: metrics.allow[1]: \"10.0.0.0/40\": the prefix length "
                "must be 0 to 32"},
        BadCase{"allow_host_bits", "[metrics]\naddress = '127.0.0.1:9'\nallow = ['10.1.0.0/8']\n",
                "/etc/ackd/ackd.conf:7:10: metrics.allow[0]: \"10.1.0.0/8\" has address bits set"},
        BadCase{"allow_empty", "[metrics]\naddress = '127.0.0.1:9'\nallow = []\n",
                "/etc/ackd/ackd.conf:7:9: metrics.allow: empty"},
        BadCase{"a_listeners_address", "[metrics]\naddress = '127.0.0.1:1'\n",
                "/etc/ackd/ackd.conf:6:11: metrics.address: also the address of listener \"t\""}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ackd

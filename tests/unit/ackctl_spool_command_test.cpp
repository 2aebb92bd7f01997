#include "client/spool_command.h"

#include <gtest/gtest.h>

#include "tests/support/json_check.h"

namespace ackd::client {
namespace {

// A record holds any bytes: cat --json prints each byte it cannot print as
// itself as \u00XX (common/json.h), the record stays one valid JSON object.
TEST(AckctlSpoolCommand, JsonRecordKeepsEveryByte) {
  std::string json = SpoolRecordText::json(1'000'000'000, "tcp", "127.0.0.1:5",
                                           std::string("caf\xc3\xa9 \xff\0\n\"", 10));
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"message\":\"caf\\u00c3\\u00a9 \\u00ff\\u0000\\u000a\\\"\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"size\":10,"), std::string::npos) << json;
}

}  // namespace
}  // namespace ackd::client

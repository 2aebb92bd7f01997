#include "daemon/master/status_report.h"

#include <gtest/gtest.h>

#include "tests/support/json_check.h"

namespace ackd {
namespace {

// A config path and a unix listener path are any bytes, not always UTF-8:
// status --json stays JSON, and says which bytes they were.
TEST(StatusReport, JsonHoldsAnyBytes) {
  StatusSnapshot status;
  status.master_pid = 42;
  status.config_source = "/etc/ackd/\xff.conf";
  status.mode = "prefork";
  status.listeners.push_back({"local", "unix", "/run/ackd/caf\xc3\xa9\x80\n.sock"});
  status.workers.push_back(WorkerRow{.pid = 43, .state = "idle"});
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"config\":\"/etc/ackd/\\u00ff.conf\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"address\":\"/run/ackd/caf\\u00c3\\u00a9\\u0080\\u000a.sock\""),
            std::string::npos)
      << json;
}

// The daemon's state (for a load balancer's agent) is in the JSON always,
// and in the text when it is not the usual one.
TEST(StatusReport, NamesTheDaemonState) {
  StatusSnapshot status;
  status.master_pid = 42;
  status.mode = "prefork";
  EXPECT_NE(render_status_json(status).find("\"state\":\"serving\""), std::string::npos);
  EXPECT_NE(render_status_text(status).find("prefork mode\n"), std::string::npos);
  status.state = "draining";
  EXPECT_NE(render_status_json(status).find("\"state\":\"draining\""), std::string::npos);
  EXPECT_NE(render_status_text(status).find("prefork mode, draining\n"), std::string::npos);
}

}  // namespace
}  // namespace ackd

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

StatusSnapshot two_workers() {
  StatusSnapshot status;
  status.master_pid = 42;
  status.mode = "prefork";
  status.workers.push_back(WorkerRow{.pid = 43, .state = "serving", .messages = 8, .replies = 7});
  status.workers.push_back(WorkerRow{.pid = 44, .state = "serving", .messages = 6, .replies = 5});
  status.totals.counts.messages = 14;  // the scoreboard's, exited processes' included
  status.totals.counts.replies = 12;
  return status;
}

// Counters say replies: they count whatever the listeners' services answer
// (an ack, an echo), not only acks.
TEST(StatusReport, CountsReplies) {
  StatusSnapshot status = two_workers();
  EXPECT_EQ(status_line(status), "2 workers, 12 replies, 0 errors, 0 udp replies dropped");
  std::string text = render_status_text(status);
  EXPECT_NE(text.find(" REPLIES "), std::string::npos) << text;
  EXPECT_EQ(text.find("ACKS"), std::string::npos) << text;
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"pid\":43,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"messages\":8,\"replies\":7,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"messages\":14,\"replies\":12,"), std::string::npos) << json;
}

// "acks", the old name, stays beside "replies" with the same value for one
// release, so JSON readers of 0.1 keep working.
TEST(StatusReport, JsonKeepsAcksAsAnAlias) {
  std::string json = render_status_json(two_workers());
  EXPECT_NE(json.find("\"replies\":7,\"acks\":7,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"replies\":12,\"acks\":12,"), std::string::npos) << json;
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

// Connections and messages refused by allow, deny or a per-source limit.
TEST(StatusReport, CountsRefusals) {
  StatusSnapshot status = two_workers();
  EXPECT_EQ(render_status_text(status).find("refused"), std::string::npos);
  EXPECT_NE(render_status_json(status).find("\"refused\":0,\"restarts\""), std::string::npos);
  status.workers[0].refused = 3;
  status.workers[1].refused = 4;
  status.totals.counts.refused = 7;  // the scoreboard's
  std::string text = render_status_text(status);
  EXPECT_NE(text.find("refused (allow, deny, per-source limits, PROXY, TLS): 7\n"),
            std::string::npos)
      << text;
  std::string json = render_status_json(status);
  EXPECT_TRUE(test::is_valid_json(json)) << json;
  EXPECT_NE(json.find("\"dropped\":0,\"refused\":3,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"dropped\":0,\"refused\":7,\"restarts\""), std::string::npos) << json;
}

}  // namespace
}  // namespace ackd

#include "daemon/metrics/exporter_options.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

TEST(ExporterOptions, WhatTheMasterWritesTheExporterReads) {
  ExporterOptions o;
  o.listen_fd = 3;
  o.scoreboard_fd = 4;
  o.entry = 17;
  o.master_pid = 4242;
  o.allow = {"10.0.0.0/8", "::1/128"};
  o.spool = "/var/lib/ackd/spool dir";
  o.log_level = "debug";
  o.log_target = "journal";
  o.generation = 3;
  o.started = 1700000000;
  o.mode = "fork";
  o.spool_fsync = true;
  o.replication = true;
  ExporterOptions back = parse_exporter_options(o.to_argv("ackd-metrics"));
  EXPECT_EQ(back.listen_fd, 3);
  EXPECT_EQ(back.scoreboard_fd, 4);
  EXPECT_EQ(back.entry, 17u);
  EXPECT_EQ(back.master_pid, 4242);
  EXPECT_EQ(back.allow, o.allow);
  EXPECT_EQ(back.spool, o.spool);
  EXPECT_EQ(back.log_level, "debug");
  EXPECT_EQ(back.log_target, "journal");
  EXPECT_EQ(back.generation, 3u);
  EXPECT_EQ(back.started, 1700000000);
  EXPECT_EQ(back.mode, "fork");
  EXPECT_TRUE(back.spool_fsync);
  EXPECT_TRUE(back.replication);
  ExporterOptions plain = parse_exporter_options(ExporterOptions().to_argv("ackd-metrics"));
  EXPECT_FALSE(plain.spool_fsync);
  EXPECT_FALSE(plain.replication);
}

TEST(ExporterOptions, RunByHandItSaysWhoRunsIt) {
  try {
    parse_exporter_options({"ackd-metrics"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("run by the ackd master"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ackd

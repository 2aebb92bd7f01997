// The forwarder reading a spool, with a fake stream: a record longer than
// its read-ahead, turns with only a few free slots, damage between records:
// each record is shipped once, whole and in order, and the lag ends at 0.
// A segment still written (an idle worker's) holds back neither the
// segments after it nor retention.
#include "daemon/replicate/forwarder.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/spool_record.h"
#include "common/unique_fd.h"
#include "daemon/record/spool.h"
#include "daemon/replicate/forward_position.h"
#include "tests/support/temp_dir.h"

namespace ackd {
namespace {

// Stores what it is given; each turn's messages are stored at its flush.
struct StoringPublisher final : Publisher {
  explicit StoringPublisher(Handoff& handoff) : handoff(handoff) {}
  std::string publish(const OutgoingMessage& message, uint64_t sequence) override {
    bodies.emplace_back(message.body);
    ids.emplace_back(message.msg_id);
    unsettled.push_back(sequence);
    return {};
  }
  void flush() override {
    for (uint64_t sequence : unsettled) handoff.push(PublishResult{sequence, "", false});
    unsettled.clear();
  }
  Handoff& handoff;
  std::vector<std::string> bodies, ids;
  std::vector<uint64_t> unsettled;
};

// A segment of `bodies` named as the spool names them, created at `ms`.
std::string write_segment(const std::string& dir, int ms, const std::vector<std::string>& bodies) {
  std::string data;
  for (const std::string& body : bodies) {
    encode_spool_record(SpoolRecord{1, "tcp", "127.0.0.1:9", body}, data);
  }
  char name[64];
  std::snprintf(name, sizeof(name), "%013d-0000001-000000.akspool", ms);
  std::string path = dir + "/" + name;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  EXPECT_GE(fd, 0) << path;
  EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  return path;
}

// `path` opened and locked as its writer holds it (LOCK_EX): the forwarder
// takes it for still written until the fd closes.
UniqueFd hold_as_writer(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_APPEND));
  EXPECT_TRUE(fd) << path;
  EXPECT_EQ(flock(fd.get(), LOCK_EX), 0) << path;
  return fd;
}

Config forwarding_config(const std::string& spool, unsigned max_pending) {
  Config config;
  config.spool.path = spool;
  config.replication.servers = {"nats://127.0.0.1:1"};
  config.replication.mode = ReplicationMode::kForward;
  config.replication.max_pending = max_pending;
  config.listeners.push_back(ListenerConfig{});
  config.listeners.back().name = "tcp";
  return config;
}

// A forwarder over `spool` shipping to a StoringPublisher (`stream`).
struct ForwardingRig {
  explicit ForwardingRig(const std::string& spool, unsigned max_pending)
      : config(forwarding_config(spool, max_pending)), forwarder(config, loop, nullptr) {
    auto publisher = std::make_unique<StoringPublisher>(forwarder.handoff());
    stream = publisher.get();
    forwarder.start(std::move(publisher));
  }
  // Turns until `records` are shipped (10 s at most: new segments are
  // looked for every 250 ms).
  void ship(size_t records) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (stream->bodies.size() < records && std::chrono::steady_clock::now() < deadline) {
      forwarder.poll();
      forwarder.handle_event(EPOLLIN);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // Turns until the lag is 0 (1 s at most: it is taken every 5 ms).
  void drain() {
    for (int turn = 0; turn < 100 && forwarder.lag_bytes() != 0; ++turn) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      forwarder.poll();
      forwarder.handle_event(EPOLLIN);
    }
  }

  Config config;
  EventLoop loop;
  Forwarder forwarder;
  StoringPublisher* stream = nullptr;
};

TEST(Forwarder, ShipsEachRecordOnceWholeAndInOrder) {
  test::TempDir dir;
  std::vector<std::string> bodies = {"the first", std::string(3 << 20, 'L') + "ong",
                                     "after the long one"};
  for (int i = 0; i < 40; ++i) bodies.push_back("small " + std::to_string(i));
  std::string path = write_segment(dir.path(), 1, bodies);
  // Damage after the first record: skipped to the next.
  std::string data;
  encode_spool_record(SpoolRecord{1, "tcp", "127.0.0.1:9", "the first"}, data);
  int fd = open(path.c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(fd, "damage", 6, static_cast<off_t>(data.size()) + 8), 6);
  close(fd);
  bodies.erase(bodies.begin() + 1);  // its header is what the damage hit

  ForwardingRig rig(dir.path(), 3);  // a turn has only a few free slots
  rig.ship(bodies.size());
  ASSERT_EQ(rig.stream->bodies.size(), bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(rig.stream->bodies[i].size(), bodies[i].size()) << "record " << i;
    EXPECT_TRUE(rig.stream->bodies[i] == bodies[i]) << "record " << i;
  }
  EXPECT_EQ(std::set<std::string>(rig.stream->ids.begin(), rig.stream->ids.end()).size(),
            bodies.size())
      << "a Nats-Msg-Id twice";
  rig.drain();
  EXPECT_EQ(rig.forwarder.lag_bytes(), 0u);
}

// A worker with no clients keeps its segment open, older than every one the
// busy workers close after it: they are shipped all the same (before, at
// most 16 segments were open and none after it could close).
TEST(Forwarder, ASegmentStillWrittenHoldsBackNoneAfterIt) {
  test::TempDir dir;
  std::string idle = write_segment(dir.path(), 1, {"from the idle worker"});
  UniqueFd writer = hold_as_writer(idle);
  std::vector<std::string> bodies = {"from the idle worker"};
  for (int segment = 2; segment < 40; ++segment) {
    bodies.push_back("segment " + std::to_string(segment));
    write_segment(dir.path(), segment, {bodies.back()});
  }
  ForwardingRig rig(dir.path(), 100);
  rig.ship(bodies.size());
  EXPECT_EQ(rig.stream->bodies, bodies);
  writer.reset();  // its writer is gone: it becomes done, and all after it
  rig.drain();
  EXPECT_EQ(rig.forwarder.lag_bytes(), 0u);
}

// A closed segment ending in half a record (its writer was killed
// mid-write): the whole records are shipped, and the torn tail counts as
// neither lag nor something to wait for (before, it was both, until the
// next start of ackd cut it).
TEST(Forwarder, ATornTailOfAClosedSegmentIsNoLag) {
  test::TempDir dir;
  std::string path = write_segment(dir.path(), 1, {"a whole record"});
  UniqueFd writer = hold_as_writer(path);  // alive while its record is shipped
  ForwardingRig rig(dir.path(), 100);
  rig.ship(1);
  EXPECT_EQ(rig.stream->bodies, std::vector<std::string>{"a whole record"});
  rig.forwarder.poll();
  rig.forwarder.handle_event(EPOLLIN);  // its publish ack
  std::string torn;
  encode_spool_record(SpoolRecord{1, "tcp", "127.0.0.1:9", "torn"}, torn);
  ASSERT_EQ(write(writer.get(), torn.data(), torn.size() / 2),
            static_cast<ssize_t>(torn.size() / 2));
  writer.reset();                                               // killed mid-write
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the next scan: it is closed
  rig.drain();
  EXPECT_EQ(rig.forwarder.lag_bytes(), 0u);
}

// Retention takes the shipped segments behind one still written, and keeps
// one not shipped.
TEST(Forwarder, RetentionTakesShippedSegmentsBehindOneStillWritten) {
  test::TempDir dir;
  std::string idle = write_segment(dir.path(), 1, {"from the idle worker"});
  UniqueFd writer = hold_as_writer(idle);
  std::string shipped = write_segment(dir.path(), 2, {"shipped already"});
  std::string waiting = write_segment(dir.path(), 3, {"not shipped"});
  struct stat st {};
  ASSERT_EQ(stat(shipped.c_str(), &st), 0);
  ForwardPosition position;
  position.offsets[shipped.substr(shipped.rfind('/') + 1)] = static_cast<uint64_t>(st.st_size);
  int directory = open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  write_forward_position(directory, dir.path(), position);
  close(directory);
  SpoolConfig config;
  config.path = dir.path();
  config.max_total_size = 1;
  enforce_spool_limit(config, /*keep_unforwarded=*/true);
  EXPECT_EQ(access(idle.c_str(), F_OK), 0) << "still written";
  EXPECT_NE(access(shipped.c_str(), F_OK), 0) << "shipped, yet kept";
  EXPECT_EQ(access(waiting.c_str(), F_OK), 0) << "not shipped, yet removed";
}

}  // namespace
}  // namespace ackd

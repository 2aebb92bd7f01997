// The forwarder reading a spool, with a fake stream: a record longer than
// its read-ahead, turns with only a few free slots, damage between records:
// each record is shipped once, whole and in order, and the lag ends at 0.
#include "daemon/replicate/forwarder.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/spool_record.h"
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

TEST(Forwarder, ShipsEachRecordOnceWholeAndInOrder) {
  test::TempDir dir;
  std::vector<std::string> bodies = {"first", std::string(3 << 20, 'L') + "ong",
                                     "after the long one"};
  std::string segment;
  for (const std::string& body : bodies) {
    encode_spool_record(SpoolRecord{1, "tcp", "127.0.0.1:9", body}, segment);
    if (body == "first") segment += "damage";  // skipped to the next record
  }
  for (int i = 0; i < 40; ++i) {
    bodies.push_back("small " + std::to_string(i));
    encode_spool_record(SpoolRecord{1, "tcp", "127.0.0.1:9", bodies.back()}, segment);
  }
  // An old name (its creation time in ms is 1): finished once shipped.
  std::string path = dir.path() + "/0000000000001-0000001-000000.akspool";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, segment.data(), segment.size()), static_cast<ssize_t>(segment.size()));
  close(fd);

  Config config;
  config.spool.path = dir.path();
  config.replication.servers = {"nats://127.0.0.1:1"};
  config.replication.mode = ReplicationMode::kForward;
  config.replication.max_pending = 3;  // a turn has only a few free slots
  config.listeners.push_back(ListenerConfig{});
  config.listeners.back().name = "tcp";
  EventLoop loop;
  Forwarder forwarder(config, loop, nullptr);
  auto publisher = std::make_unique<StoringPublisher>(forwarder.handoff());
  StoringPublisher* stream = publisher.get();
  forwarder.start(std::move(publisher));
  for (int turn = 0; turn < 1000 && stream->bodies.size() < bodies.size(); ++turn) {
    forwarder.poll();
    forwarder.handle_event(EPOLLIN);
  }
  ASSERT_EQ(stream->bodies.size(), bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(stream->bodies[i].size(), bodies[i].size()) << "record " << i;
    EXPECT_EQ(stream->bodies[i] == bodies[i], true) << "record " << i;
  }
  EXPECT_EQ(std::set<std::string>(stream->ids.begin(), stream->ids.end()).size(), bodies.size())
      << "a Nats-Msg-Id twice";
  for (int turn = 0; turn < 100 && forwarder.lag_bytes() != 0; ++turn) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the lag is taken every 5 ms
    forwarder.poll();
  }
  EXPECT_EQ(forwarder.lag_bytes(), 0u);
}

}  // namespace
}  // namespace ackd

// ReplicationStage with a fake publisher: a reply waits for the publish
// ack, fails "unavailable" on an error, a refusal or no ack in time; results
// settle in any order; a refusal is never settled inside record(); at
// max_pending the stage is saturated, at twice that it refuses.
#include "daemon/replicate/replication_stage.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/wait.h"

namespace ackd {
namespace {

struct FakePublisher final : Publisher {
  std::vector<uint64_t> sequences;
  std::vector<std::string> msg_ids;
  std::string refuse;  // non-empty: refuse with this
  std::string publish(const OutgoingMessage& message, uint64_t sequence) override {
    if (!refuse.empty()) return refuse;
    sequences.push_back(sequence);
    msg_ids.emplace_back(message.msg_id);
    return {};
  }
};

struct Recording final : ReplyWaiter {
  std::vector<std::pair<Ticket, std::string>> settled_tickets;
  void settled(Ticket ticket, std::string_view error) override {
    settled_tickets.emplace_back(ticket, std::string(error));
  }
};

class Stage : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.servers = {"nats://127.0.0.1:1"};
    config_.max_pending = 4;
    config_.timeout = std::chrono::milliseconds(50);
  }
  void start() {
    stage_ = std::make_unique<ReplicationStage>(config_, gate_, loop_, nullptr);
    auto publisher = std::make_unique<FakePublisher>();
    publisher_ = publisher.get();
    stage_->start({}, std::move(publisher));
  }
  Ticket append(const std::string& message) {
    Ticket ticket = gate_.hold(&waiter_, 1);
    stage_->append(SpoolRecord{1, "tcp", "127.0.0.1:9", message}, ticket);
    return ticket;
  }
  void result(size_t index, std::string error) {
    stage_->handoff().push(PublishResult{publisher_->sequences.at(index), std::move(error), false});
    stage_->handle_event(EPOLLIN);
  }

  ReplicationConfig config_;
  EventLoop loop_;
  ReplyGate gate_;
  Recording waiter_;
  std::unique_ptr<ReplicationStage> stage_;
  FakePublisher* publisher_ = nullptr;
};

TEST_F(Stage, RepliesWaitForThePublishAckInAnyOrder) {
  start();
  Ticket a = append("a"), b = append("b");
  stage_->commit();
  EXPECT_TRUE(waiter_.settled_tickets.empty());
  EXPECT_FALSE(stage_->idle());
  result(1, "");
  result(0, "stream not found");
  ASSERT_EQ(waiter_.settled_tickets.size(), 2u);
  EXPECT_EQ(waiter_.settled_tickets[0], std::make_pair(b, std::string()));
  EXPECT_EQ(waiter_.settled_tickets[1], std::make_pair(a, std::string("unavailable")));
  EXPECT_TRUE(stage_->idle());
  EXPECT_NE(publisher_->msg_ids[0], publisher_->msg_ids[1]);
}

TEST_F(Stage, ARefusalIsSettledAfterTheTurnNotInsideRecord) {
  start();
  publisher_->refuse = "not connected";
  Ticket a = append("a");
  EXPECT_TRUE(waiter_.settled_tickets.empty()) << "settled before the transport held it";
  stage_->commit();
  ASSERT_EQ(waiter_.settled_tickets.size(), 1u);
  EXPECT_EQ(waiter_.settled_tickets[0], std::make_pair(a, std::string("unavailable")));
}

TEST_F(Stage, SaturatedAtMaxPendingRefusingAtTwice) {
  start();
  for (int i = 0; i < 3; ++i) append("m");
  EXPECT_FALSE(stage_->saturated());
  append("m");
  EXPECT_TRUE(stage_->saturated());
  for (int i = 0; i < 4; ++i) append("m");
  EXPECT_EQ(publisher_->sequences.size(), 8u);
  Ticket over = append("m");
  stage_->commit();
  ASSERT_EQ(waiter_.settled_tickets.size(), 1u);
  EXPECT_EQ(waiter_.settled_tickets[0].first, over);
  for (size_t i = 0; i < 5; ++i) result(i, "");
  EXPECT_FALSE(stage_->saturated());
}

TEST_F(Stage, NoAckInTimeFailsTheReply) {
  start();
  Ticket a = append("a");
  auto sent = std::chrono::steady_clock::now();
  stage_->commit();
  // The stage's timeout runs on the real clock: each commit looks at it.
  ASSERT_TRUE(ackd::test::wait_until(
      [&] {
        stage_->commit();
        return !waiter_.settled_tickets.empty();
      },
      std::chrono::seconds(5)));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, config_.timeout) << "failed before its time";
  ASSERT_EQ(waiter_.settled_tickets.size(), 1u);
  EXPECT_EQ(waiter_.settled_tickets[0], std::make_pair(a, std::string("unavailable")));
  result(0, "");  // the late ack changes nothing
  EXPECT_EQ(waiter_.settled_tickets.size(), 1u);
}

}  // namespace
}  // namespace ackd

// handle_message: each message is recorded once, answered by the service,
// and counted when its reply may leave now; the peer is formatted only
// when something stores it.
#include "daemon/serve/handle_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ackd {
namespace {

class UpperService final : public Service {
 public:
  void respond(std::string_view message, std::string& reply) override {
    for (char c : message) reply += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
};

class RecordingStage final : public RecordStage {
 public:
  explicit RecordingStage(bool holds) : holds_(holds) {}
  bool holds_replies() const override { return holds_; }
  void append(const SpoolRecord& record, Ticket /*ticket*/) override {
    records.push_back(std::string(record.listener) + " " + std::string(record.peer) + " " +
                      std::string(record.message));
  }
  void commit() override {}
  bool idle() const override { return true; }
  std::vector<std::string> records;

 private:
  bool holds_;
};

struct NoWaiter final : ReplyWaiter {
  void settled(Ticket /*ticket*/, std::string_view /*error*/) override {}
};

class HandleMessageTest : public testing::Test {
 protected:
  HandleMessageTest() {
    config_.name = "edge";
    listener_.config = &config_;
    listener_.service = std::make_unique<UpperService>();
  }
  // The peer's text, counting how often it was asked for.
  auto peer() {
    return [this] {
      ++peer_formatted_;
      return std::string("192.0.2.7:4242");
    };
  }

  ListenerConfig config_;
  ServedListener listener_;
  Recorder recorder_{/*log_messages=*/false};
  NoWaiter waiter_;
  int peer_formatted_ = 0;
};

TEST_F(HandleMessageTest, RepliesAndCountsAtOnceWhenNothingHolds) {
  std::string reply = "before|";
  Ticket ticket = handle_message(listener_, recorder_, "hello", peer(), &waiter_, reply);
  EXPECT_EQ(ticket, 0u);
  EXPECT_EQ(reply, "before|HELLO");
  EXPECT_EQ(recorder_.counters().messages, 1u);
  EXPECT_EQ(recorder_.counters().bytes, 5u);
  EXPECT_EQ(recorder_.counters().replies, 1u);
  EXPECT_EQ(peer_formatted_, 0);  // nobody stores it
}

TEST_F(HandleMessageTest, ARecordingStageGetsListenerPeerAndMessage) {
  RecordingStage stage(/*holds=*/false);
  recorder_.add_stage(&stage);
  std::string reply;
  EXPECT_EQ(handle_message(listener_, recorder_, "hello", peer(), &waiter_, reply), 0u);
  ASSERT_EQ(stage.records.size(), 1u);
  EXPECT_EQ(stage.records[0], "edge 192.0.2.7:4242 hello");
  EXPECT_EQ(peer_formatted_, 1);
  EXPECT_EQ(recorder_.counters().replies, 1u);
}

TEST_F(HandleMessageTest, AHeldReplyIsCountedWhenReleasedNotNow) {
  RecordingStage stage(/*holds=*/true);
  recorder_.add_stage(&stage);
  std::string reply;
  Ticket ticket = handle_message(listener_, recorder_, "hello", peer(), &waiter_, reply);
  EXPECT_NE(ticket, 0u);
  EXPECT_EQ(reply, "HELLO");  // written now, sent once the ticket is settled
  EXPECT_EQ(recorder_.counters().messages, 1u);
  EXPECT_EQ(recorder_.counters().replies, 0u);
}

TEST_F(HandleMessageTest, AReplyBehindHeldOnesIsCountedWhenReleased) {
  std::string reply;
  Ticket ticket = handle_message(listener_, recorder_, "hello", peer(), &waiter_, reply,
                                 ReplyOrder::kBehindHeld);
  EXPECT_EQ(ticket, 0u);
  EXPECT_EQ(reply, "HELLO");
  EXPECT_EQ(recorder_.counters().replies, 0u);
}

}  // namespace
}  // namespace ackd

// StreamConnection over the ByteStream seam (a FakeByteStream, no socket):
// one reply per message, in order; the FIN in the last reply's segment;
// draining; a stream whose reads wait on the other direction (as TLS's
// may); and the client named by the stream, not by the connection.
#include "daemon/serve/stream_connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

#include "daemon/serve/connection_set.h"
#include "daemon/service/haproxy_agent_service.h"
#include "daemon/transport/proxy_stream.h"
#include "tests/support/fake_byte_stream.h"

namespace ackd {
namespace {

using namespace std::chrono_literals;

// Replies "ack:" and the message, so a test sees which reply is which.
class TaggingService final : public Service {
 public:
  void respond(std::string_view message, std::string& reply) override {
    reply += "ack:";
    reply += message;
  }
};

// Keeps the peers it was given; replies wait for it when `holds` is set.
class RecordingStage final : public RecordStage {
 public:
  explicit RecordingStage(bool holds) : holds_(holds) {}
  bool holds_replies() const override { return holds_; }
  void append(const SpoolRecord& record, Ticket ticket) override {
    peers.emplace_back(record.peer);
    if (ticket != 0) tickets.push_back(ticket);
  }
  void commit() override {}
  bool idle() const override { return true; }

  std::vector<std::string> peers;
  std::vector<Ticket> tickets;

 private:
  bool holds_;
};

class StreamConnectionTest : public testing::Test {
 protected:
  StreamConnectionTest() {
    config_.name = "test";
    listener_.config = &config_;
    listener_.service = std::make_unique<TaggingService>();
    listener_.transport = std::make_unique<FakeTransport>();
  }

  // A connection over a fresh fake stream, served at once (as accepted). The
  // script outlives the stream, which the connection frees once closed.
  std::shared_ptr<FakeStreamScript> open(std::string first_chunk) {
    std::shared_ptr<FakeStreamScript> stream = transport().prepare();
    if (!first_chunk.empty()) stream->client_sends(std::move(first_chunk));
    connections_.open(UniqueFd(), SocketAddress(), listener_);
    return stream;
  }
  // A few loop turns, as the worker runs them.
  void turns(int count = 3) {
    for (int i = 0; i < count; ++i) {
      loop_.run_once(0);
      recorder_.commit();
      connections_.flush_released();
      connections_.collect();
    }
  }
  FakeTransport& transport() { return static_cast<FakeTransport&>(*listener_.transport); }
  // The listener's refusals of kind `why` (ackd_listener_refused_total).
  uint64_t refused(Refusal why) { return listener_.meter.counts().refused[index_of(why)]; }

  ListenerConfig config_;
  ServedListener listener_;
  EventLoop loop_;
  Recorder recorder_{/*log_messages=*/false};
  ConnectionSet connections_{loop_, recorder_};
};

TEST_F(StreamConnectionTest, RepliesToEachMessageInOrderAndStaysOpen) {
  std::shared_ptr<FakeStreamScript> stream = open("one\ntwo\n");
  turns();
  stream->client_sends("three\n");
  turns();
  EXPECT_EQ(stream->written, "ack:one\nack:two\nack:three\n");
  EXPECT_FALSE(stream->closed);
  EXPECT_EQ(connections_.size(), 1u);
  EXPECT_EQ(recorder_.counters().replies, 3u);
}

TEST_F(StreamConnectionTest, LastReplyCarriesTheFin) {
  config_.messages_per_connection = 1;
  std::shared_ptr<FakeStreamScript> stream = open("only\n");
  EXPECT_EQ(stream->written, "ack:only\n");
  EXPECT_TRUE(stream->fin_follows_last_write);
  EXPECT_TRUE(stream->closed);  // nothing unread: the close sends the FIN
  EXPECT_EQ(connections_.size(), 0u);
}

TEST_F(StreamConnectionTest, EndOfInputAnswersTheFragmentAndCloses) {
  std::shared_ptr<FakeStreamScript> stream = open("partial");
  turns();
  EXPECT_EQ(stream->written, "");
  stream->client_ends();
  turns();
  EXPECT_EQ(stream->written, "ack:partial\n");
  EXPECT_TRUE(stream->closed);
}

TEST_F(StreamConnectionTest, TooLongGetsErrThenLingers) {
  config_.max_message = 4;
  std::shared_ptr<FakeStreamScript> stream = open("12345");
  EXPECT_EQ(stream->written, "ERR message too long\n");
  EXPECT_TRUE(stream->output_shut);  // the rest may still come: read until the client's end
  EXPECT_FALSE(stream->closed);
  stream->client_ends();
  turns();
  EXPECT_TRUE(stream->closed);
  EXPECT_EQ(recorder_.counters().errors, 1u);
}

TEST_F(StreamConnectionTest, ShortWritesFinishWhenTheStreamTakesMore) {
  std::shared_ptr<FakeStreamScript> stream = transport().prepare();
  stream->set_write_room(5);
  stream->client_sends("hello\n");
  connections_.open(UniqueFd(), SocketAddress(), listener_);
  EXPECT_EQ(stream->written, "ack:h");
  stream->set_write_room(SIZE_MAX);
  turns();
  EXPECT_EQ(stream->written, "ack:hello\n");
}

TEST_F(StreamConnectionTest, ReadWaitingOnWritableIsRetriedWhenWritable) {
  std::shared_ptr<FakeStreamScript> stream = transport().prepare();
  stream->block_reads_until_writable();
  stream->client_sends("hi\n");
  connections_.open(UniqueFd(), SocketAddress(), listener_);
  EXPECT_EQ(stream->written, "");
  // Only EPOLLOUT can wake it now: the connection must watch it and read on it.
  turns(1);
  EXPECT_EQ(stream->written, "ack:hi\n");
  EXPECT_EQ(stream->reads, 2);  // blocked, then retried on EPOLLOUT
}

TEST_F(StreamConnectionTest, DrainingClosesAnIdleConnectionAfterReadingItsInput) {
  std::shared_ptr<FakeStreamScript> stream = open("one\n");
  connections_.drain_all(/*keep_idle=*/false);
  EXPECT_TRUE(stream->input_discarded);
  EXPECT_TRUE(stream->closed);
}

TEST_F(StreamConnectionTest, DrainingWithASuccessorClosesWithTheNextReply) {
  std::shared_ptr<FakeStreamScript> stream = open("one\n");
  connections_.drain_all(/*keep_idle=*/true);
  EXPECT_FALSE(stream->closed);
  stream->client_sends("two\n");
  turns();
  EXPECT_EQ(stream->written, "ack:one\nack:two\n");
  EXPECT_TRUE(stream->input_refused);  // before that reply left (unix: SHUT_RD)
  EXPECT_TRUE(stream->fin_follows_last_write);
  EXPECT_TRUE(stream->closed);  // no lingering: the client waited for its ack
}

TEST_F(StreamConnectionTest, TheRecordNamesTheClientTheStreamNames) {
  RecordingStage stage(/*holds=*/false);
  recorder_.add_stage(&stage);
  std::shared_ptr<FakeStreamScript> stream = transport().prepare();
  stream->peer_name = "203.0.113.9:5000 via 127.0.0.1:41000";
  stream->client_sends("hi\n");
  connections_.open(UniqueFd(), SocketAddress(), listener_);
  ASSERT_EQ(stage.peers.size(), 1u);
  EXPECT_EQ(stage.peers[0], "203.0.113.9:5000 via 127.0.0.1:41000");
}

TEST_F(StreamConnectionTest, HeldRepliesLeaveInOrderOnceSettled) {
  RecordingStage stage(/*holds=*/true);
  recorder_.add_stage(&stage);
  std::shared_ptr<FakeStreamScript> stream = open("one\ntwo\n");
  EXPECT_EQ(stream->written, "");
  ASSERT_EQ(stage.tickets.size(), 2u);
  recorder_.gate().confirm(stage.tickets[1]);
  connections_.flush_released();
  EXPECT_EQ(stream->written, "");  // the second waits behind the first
  recorder_.gate().fail(stage.tickets[0], "not stored");
  connections_.flush_released();
  EXPECT_EQ(stream->written, "ERR not stored\nack:two\n");
  EXPECT_EQ(recorder_.counters().replies, 1u);
  EXPECT_EQ(recorder_.counters().errors, 1u);
}

TEST_F(StreamConnectionTest, AStartedMessageMustEndWithinTheMessageTimeout) {
  std::shared_ptr<FakeStreamScript> stream = open("slow");
  connections_.sweep(std::chrono::steady_clock::now() + 11s);
  EXPECT_EQ(stream->written, "ERR message timeout\n");
}

// A service that speaks first (the HAProxy agent): its line on connect,
// then the close, after reading what the client sends until its end.
TEST_F(StreamConnectionTest, AServiceThatGreetsSpeaksFirstThenCloses) {
  config_.service = "haproxy-agent";
  listener_.service = make_service(config_);
  std::shared_ptr<FakeStreamScript> stream = open("");
  EXPECT_EQ(stream->written, "up ready\n");
  EXPECT_TRUE(stream->output_shut);
  EXPECT_FALSE(stream->closed);  // lingering: an agent-send line may come
  stream->client_sends("agent-send line\n");
  stream->client_ends();
  turns();
  EXPECT_EQ(stream->written, "up ready\n");
  EXPECT_TRUE(stream->closed);
  EXPECT_EQ(recorder_.counters().replies, 1u);
}

// A listener that expects a PROXY header: the real ProxyStream over the fake.
class ProxiedConnectionTest : public StreamConnectionTest {
 protected:
  ProxiedConnectionTest() {
    config_.proxy_protocol = ProxyProtocol::kV1;
    auto fake = std::make_unique<FakeTransport>();
    fake_ = fake.get();
    listener_.transport = std::make_unique<ProxyTransport>(std::move(fake), nullptr, config_);
  }
  std::shared_ptr<FakeStreamScript> open_from(const char* ip, std::string first_chunk) {
    std::shared_ptr<FakeStreamScript> stream = fake_->prepare();
    stream->peer_name = std::string(ip) + ":41000";
    if (!first_chunk.empty()) stream->client_sends(std::move(first_chunk));
    SocketAddress peer;
    auto* v4 = reinterpret_cast<sockaddr_in*>(peer.get());
    v4->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &v4->sin_addr);
    peer.length = sizeof(sockaddr_in);
    connections_.open(UniqueFd(), peer, listener_);
    return stream;
  }

  FakeTransport* fake_ = nullptr;
};

TEST_F(ProxiedConnectionTest, TheRecordNamesTheClientOfTheHeader) {
  RecordingStage stage(/*holds=*/false);
  recorder_.add_stage(&stage);
  std::shared_ptr<FakeStreamScript> stream =
      open_from("127.0.0.1", "PROXY TCP4 203.0.113.9 127.0.0.1 5000 51717\r\nhi\n");
  EXPECT_EQ(stream->written, "ack:hi\n");
  ASSERT_EQ(stage.peers.size(), 1u);
  EXPECT_EQ(stage.peers[0], "203.0.113.9:5000 via 127.0.0.1:41000");
}

TEST_F(ProxiedConnectionTest, AnUntrustedSourceGetsOneErrLineAndIsClosed) {
  RecordingStage stage(/*holds=*/false);
  recorder_.add_stage(&stage);
  std::shared_ptr<FakeStreamScript> stream =
      open_from("192.0.2.7", "PROXY TCP4 203.0.113.9 127.0.0.1 5000 51717\r\nhi\n");
  EXPECT_EQ(stream->written, "ERR PROXY header from an untrusted source\n");
  EXPECT_TRUE(stage.peers.empty());  // nothing recorded, forged or not
  // A refusal, by its kind, not an error.
  EXPECT_EQ(recorder_.counters().errors, 0u);
  EXPECT_EQ(recorder_.counters().refused, 1u);
  EXPECT_EQ(refused(Refusal::kProxyUntrusted), 1u);
  stream->client_ends();
  turns();
  EXPECT_TRUE(stream->closed);
}

TEST_F(ProxiedConnectionTest, ABadHeaderGetsOneErrLine) {
  std::shared_ptr<FakeStreamScript> stream = open_from("127.0.0.1", "hello\n");
  EXPECT_TRUE(stream->written.starts_with("ERR bad PROXY header: ")) << stream->written;
  EXPECT_EQ(std::count(stream->written.begin(), stream->written.end(), '\n'), 1);
  EXPECT_EQ(recorder_.counters().errors, 0u);
  EXPECT_EQ(recorder_.counters().refused, 1u);
  EXPECT_EQ(refused(Refusal::kProxyHeader), 1u);
}

TEST_F(ProxiedConnectionTest, AClientOfTheHeaderOnDenyIsRefusedAsDenied) {
  config_.access.deny = CidrList({parse_cidr("203.0.113.0/24")});
  std::shared_ptr<FakeStreamScript> stream =
      open_from("127.0.0.1", "PROXY TCP4 203.0.113.9 127.0.0.1 5000 51717\r\nhi\n");
  EXPECT_TRUE(stream->written.starts_with("ERR client 203.0.113.9:5000 not admitted"))
      << stream->written;
  EXPECT_EQ(refused(Refusal::kDeny), 1u);
  EXPECT_EQ(recorder_.counters().refused, 1u);
}

TEST_F(ProxiedConnectionTest, TheHeaderMustBeWholeWithinTheMessageTimeout) {
  std::shared_ptr<FakeStreamScript> stream = open_from("127.0.0.1", "PROXY TCP4 ");
  connections_.sweep(std::chrono::steady_clock::now() + 9s);
  EXPECT_EQ(stream->written, "");
  connections_.sweep(std::chrono::steady_clock::now() + 11s);
  EXPECT_EQ(stream->written, "ERR no complete PROXY header within message_timeout\n");
  EXPECT_EQ(refused(Refusal::kProxyHeader), 1u);
  EXPECT_EQ(recorder_.counters().errors, 0u);
}

TEST_F(ProxiedConnectionTest, OnceOpenTheIdleTimeoutApplies) {
  std::shared_ptr<FakeStreamScript> stream =
      open_from("127.0.0.1", "PROXY TCP4 203.0.113.9 127.0.0.1 5000 51717\r\n");
  connections_.sweep(std::chrono::steady_clock::now() + 11s);
  EXPECT_FALSE(stream->closed);
  EXPECT_EQ(stream->written, "");
}

// max_connections_per_source counts the client of the header once it is
// read (every connection here comes from the proxy, 127.0.0.1), before a
// message is served, and frees its place when the connection closes.
TEST_F(ProxiedConnectionTest, TheClientOfTheHeaderIsCountedOnceOpen) {
  config_.source_limits.max_connections = 1;
  const std::string header = "PROXY TCP4 203.0.113.9 127.0.0.1 5000 51717\r\n";
  std::shared_ptr<FakeStreamScript> first = open_from("127.0.0.1", header + "one\n");
  EXPECT_EQ(first->written, "ack:one\n");
  std::shared_ptr<FakeStreamScript> over = open_from("127.0.0.1", header + "two\n");
  EXPECT_EQ(over->written, "ERR too many connections from your address\n");
  EXPECT_EQ(recorder_.counters().refused, 1u);
  EXPECT_EQ(recorder_.counters().messages, 1u);  // "two" was not served
  std::shared_ptr<FakeStreamScript> other =
      open_from("127.0.0.1", "PROXY TCP4 203.0.113.10 127.0.0.1 5000 51717\r\nthree\n");
  EXPECT_EQ(other->written, "ack:three\n");
  first->client_ends();
  turns();
  EXPECT_TRUE(first->closed);
  std::shared_ptr<FakeStreamScript> again = open_from("127.0.0.1", header + "four\n");
  EXPECT_EQ(again->written, "ack:four\n");
}

TEST_F(ProxiedConnectionTest, AProbeThatSendsNothingIsNoError) {
  std::shared_ptr<FakeStreamScript> stream = open_from("127.0.0.1", "");
  stream->client_ends();
  turns();
  EXPECT_TRUE(stream->closed);
  EXPECT_EQ(stream->written, "");
  EXPECT_EQ(recorder_.counters().errors, 0u);
}

}  // namespace
}  // namespace ackd

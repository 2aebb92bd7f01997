// ProxyStream over a fake stream: the PROXY header taken off the front (whole
// or in pieces), the bytes after it handed on, the client named with the
// proxy it came through; and every refusal (an untrusted source, a bad,
// partial or too long header, a late one), each with its ERR line. Then on
// a real socket pair, with a layer after the header (as TLS is): the header
// taken off exactly, the socket handed on with every byte after it, the
// opening lasting until that layer's is done, refusals in clear.
#include "daemon/transport/proxy_stream.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "common/crc32c.h"
#include "daemon/transport/plain_stream.h"
#include "tests/support/fake_byte_stream.h"
#include "tests/support/socket_pair.h"

namespace ackd {
namespace {

using namespace std::string_literals;

SocketAddress inet(const char* ip, uint16_t port) {
  SocketAddress a;
  if (inet_pton(AF_INET, ip, &reinterpret_cast<sockaddr_in*>(a.get())->sin_addr) == 1) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(a.get());
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(a.get());
    inet_pton(AF_INET6, ip, &v6->sin6_addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
  }
  return a;
}

std::string be16(size_t value) {
  return {static_cast<char>((value >> 8) & 0xff), static_cast<char>(value & 0xff)};
}

// PROXY v2, TCP4 203.0.113.9:5000 -> 127.0.0.1:51717, then `tlvs`.
std::string v2_tcp4(unsigned char command, const std::string& tlvs = "") {
  std::string block(12, '\0');
  inet_pton(AF_INET, "203.0.113.9", block.data());
  inet_pton(AF_INET, "127.0.0.1", block.data() + 4);
  block.replace(8, 4, be16(5000) + be16(51717));
  block += tlvs;
  return "\r\n\r\n\0\r\nQUIT\n"s + static_cast<char>(command) + '\x11' + be16(block.size()) + block;
}

std::string tlv(unsigned char type, const std::string& value) {
  return std::string(1, static_cast<char>(type)) + be16(value.size()) + value;
}

const std::string kV1 = "PROXY TCP4 203.0.113.9 127.0.0.1 5000 51717\r\n";

class ProxyStreamTest : public testing::Test {
 protected:
  ProxyStreamTest() {
    config_.name = "edge";
    config_.proxy_protocol = ProxyProtocol::kAny;
    script_->peer_name = "127.0.0.1:41000";
  }

  ProxyStream& open(const SocketAddress& real_peer = inet("127.0.0.1", 41000)) {
    stream_ = std::make_unique<ProxyStream>(std::make_unique<FakeByteStream>(script_), real_peer,
                                            config_, refusals_);
    return *stream_;
  }
  // One read: its status, and the bytes it gave.
  std::pair<IoResult::Status, std::string> read() {
    IoResult result = stream_->read(buffer_);
    return {result.status,
            std::string(buffer_, result.status == IoResult::kDone ? result.bytes : 0)};
  }

  ListenerConfig config_;
  std::shared_ptr<FakeStreamScript> script_ = std::make_shared<FakeStreamScript>();
  SharedLogThrottle refusals_;
  std::unique_ptr<ProxyStream> stream_;
  char buffer_[4096];
};

TEST_F(ProxyStreamTest, V1HeaderIsTakenOffAndNamesTheClientViaTheProxy) {
  ProxyStream& stream = open();
  script_->client_sends(kV1 + "hello\n");
  EXPECT_TRUE(stream.opening());
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "hello\n"s));
  EXPECT_FALSE(stream.opening());
  EXPECT_EQ(stream.peer(), "203.0.113.9:5000 via 127.0.0.1:41000");
}

TEST_F(ProxyStreamTest, AHeaderInPiecesWaitsUntilWhole) {
  ProxyStream& stream = open();
  script_->client_sends(kV1.substr(0, 10));
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_TRUE(stream.opening());
  script_->client_sends(kV1.substr(10));
  EXPECT_EQ(read().first, IoResult::kWouldBlock);  // whole, and nothing after it yet
  EXPECT_FALSE(stream.opening());
  script_->client_sends("next\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "next\n"s));
}

TEST_F(ProxyStreamTest, TheFirstMessageInTheNextChunkIsReadWithTheHeader) {
  open();
  script_->client_sends(kV1);
  script_->client_sends("hi\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "hi\n"s));
}

TEST_F(ProxyStreamTest, AnUntrustedSourceIsRefusedAndItsForgedAddressIgnored) {
  ProxyStream& stream = open(inet("192.0.2.7", 4242));
  script_->peer_name = "192.0.2.7:4242";
  script_->client_sends(kV1 + "hello\n");
  EXPECT_EQ(read().first, IoResult::kRefused);
  EXPECT_EQ(stream.refusal(), "ERR PROXY header from an untrusted source");
  EXPECT_EQ(stream.peer(), "192.0.2.7:4242");
  EXPECT_EQ(read().first, IoResult::kDone);  // refused: reads pass through (lingering)
}

TEST_F(ProxyStreamTest, IPv4TrustedProxiesMatchAMappedPeer) {
  open(inet("::ffff:127.0.0.1", 41000));
  script_->client_sends(kV1 + "hello\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "hello\n"s));
}

TEST_F(ProxyStreamTest, TrustedProxiesComeFromTheConfig) {
  config_.trusted_proxies = CidrList({parse_cidr("10.0.0.0/8")});
  open();
  script_->client_sends(kV1);
  EXPECT_EQ(read().first, IoResult::kRefused);
}

TEST_F(ProxyStreamTest, AUnixClientIsTrusted) {
  open(SocketAddress::unix_path("/run/ackd.sock"));
  script_->client_sends(kV1 + "x\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "x\n"s));
}

TEST_F(ProxyStreamTest, MalformedAndOverlongHeadersAreRefused) {
  for (std::string input : {"GET / HTTP/1.0\r\n"s, "PROXY TCP4 1.2.3.4\r\n"s,
                            "PROXY TCP4 " + std::string(120, '1') + "\r\n"}) {
    SCOPED_TRACE(input);
    script_ = std::make_shared<FakeStreamScript>();
    ProxyStream& stream = open();
    script_->client_sends(input);
    EXPECT_EQ(read().first, IoResult::kRefused);
    EXPECT_TRUE(stream.refusal().starts_with("ERR bad PROXY header: ")) << stream.refusal();
  }
}

TEST_F(ProxyStreamTest, TheConfiguredVersionOnly) {
  config_.proxy_protocol = ProxyProtocol::kV2;
  open();
  script_->client_sends(kV1);
  EXPECT_EQ(read().first, IoResult::kRefused);
}

TEST_F(ProxyStreamTest, AProbeWithoutAByteIsAnEndNotARefusal) {
  open();
  script_->client_ends();
  EXPECT_EQ(read().first, IoResult::kEnd);
}

TEST_F(ProxyStreamTest, AnEndInsideTheHeaderIsRefused) {
  ProxyStream& stream = open();
  script_->client_sends(kV1.substr(0, 20));
  script_->client_ends();
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(read().first, IoResult::kRefused);
  EXPECT_EQ(stream.refusal(), "ERR connection ended inside the PROXY header");
}

TEST_F(ProxyStreamTest, ALateHeaderIsRefused) {
  ProxyStream& stream = open();
  script_->client_sends(kV1.substr(0, 20));
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(stream.refuse_late(), "ERR no complete PROXY header within message_timeout");
  EXPECT_FALSE(stream.opening());
}

TEST_F(ProxyStreamTest, V2LocalKeepsTheRealEndpoints) {
  ProxyStream& stream = open();
  script_->client_sends(v2_tcp4(0x20) + "m\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "m\n"s));
  EXPECT_EQ(stream.peer(), "127.0.0.1:41000");
}

TEST_F(ProxyStreamTest, V2UniqueIdIsRecordedInThePeer) {
  ProxyStream& stream = open();
  script_->client_sends(v2_tcp4(0x21, tlv(0x05, "req-42")) + "m\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "m\n"s));
  EXPECT_EQ(stream.peer(), "203.0.113.9:5000 via 127.0.0.1:41000 id=req-42");
}

TEST_F(ProxyStreamTest, V2WithAWrongChecksumIsRefused) {
  std::string header = v2_tcp4(0x21, tlv(0x03, "\x01\x02\x03\x04"));
  open();
  script_->client_sends(header);
  EXPECT_EQ(read().first, IoResult::kRefused);
  // ... and with the right one it opens.
  std::string good = v2_tcp4(0x21, tlv(0x03, std::string(4, '\0')));
  uint32_t crc = crc32c(good.data(), good.size());
  for (int i = 0; i < 4; ++i) good[good.size() - 4 + i] = static_cast<char>(crc >> (24 - 8 * i));
  script_ = std::make_shared<FakeStreamScript>();
  open();
  script_->client_sends(good + "m\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "m\n"s));
}

// The usual header comes whole in the first read and is parsed where it
// was read; one in pieces is gathered first. Wherever the bytes are cut,
// the stream gives what it gives when they come at once: the same data,
// the same client, the same id.
TEST_F(ProxyStreamTest, AHeaderCutAnywhereGivesWhatItGivesWhole) {
  for (const std::string& header : {v2_tcp4(0x21, tlv(0x05, "req-42")), kV1}) {
    std::string bytes = header + "m1\nm2\n";
    for (size_t cut = 1; cut <= bytes.size(); ++cut) {
      SCOPED_TRACE(testing::Message() << "v" << (header == kV1 ? 1 : 2) << ", cut at " << cut);
      script_ = std::make_shared<FakeStreamScript>();
      script_->peer_name = "127.0.0.1:41000";
      ProxyStream& stream = open();
      script_->client_sends(bytes.substr(0, cut));
      if (cut < bytes.size()) script_->client_sends(bytes.substr(cut));
      std::string data;
      for (int i = 0; i < 4; ++i) {
        auto [status, got] = read();
        if (status == IoResult::kDone) data += got;
        ASSERT_TRUE(status == IoResult::kDone || status == IoResult::kWouldBlock);
      }
      EXPECT_EQ(data, "m1\nm2\n");
      EXPECT_FALSE(stream.opening());
      EXPECT_EQ(stream.peer(), header == kV1 ? "203.0.113.9:5000 via 127.0.0.1:41000"
                                             : "203.0.113.9:5000 via 127.0.0.1:41000 id=req-42");
      ASSERT_NE(stream.source(), nullptr);
      EXPECT_EQ(stream.source()->to_string(), "203.0.113.9:5000");
    }
  }
}

// A layer after the header that stands for TLS: plain bytes, but an
// opening of its own (until "hello" came) and a name it adds once open.
class HandshakeStream final : public ByteStream {
 public:
  HandshakeStream(UniqueFd fd, const SocketAddress& peer)
      : plain_(std::move(fd), peer, path_), fd_(plain_.fd()) {}
  int fd() const override { return fd_; }
  IoResult read(std::span<char> buffer) override {
    if (open_) return plain_.read(buffer);
    IoResult result = plain_.read(buffer.first(5 - hello_.size()));  // no byte past it
    if (result.status != IoResult::kDone) return result;
    hello_.append(buffer.data(), result.bytes);
    open_ = hello_ == "hello";
    // Half a hello: the opening waits for room to answer, as SSL_read may.
    read_waits_on_ = hello_ == "hel" ? EPOLLOUT : EPOLLIN;
    return {IoResult::kWouldBlock};  // the handshake's bytes are no data
  }
  IoResult write(std::string_view data, bool fin) override { return plain_.write(data, fin); }
  void shutdown_write() override { plain_.shutdown_write(); }
  void refuse_input() override {}
  bool input_waiting() const override { return plain_.input_waiting(); }
  void discard_input(std::span<char> scratch) override { plain_.discard_input(scratch); }
  void close() override { plain_.close(); }
  bool opening() const override { return !open_; }
  std::string_view refuse_late() override { return "late handshake"; }
  std::string_view peer() override {
    name_ = (named_.empty() ? std::string(plain_.peer()) : named_) + (open_ ? " tls=CN=t" : "");
    return name_;
  }
  void name_client(std::string_view name) override { named_ = name; }

 private:
  const std::string path_;
  PlainStream plain_;
  int fd_;
  bool open_ = false;
  std::string hello_;
  std::string name_;
  std::string named_;
};

class HandshakeTransport final : public StreamTransport {
 public:
  std::unique_ptr<ByteStream> open(UniqueFd fd, const SocketAddress& peer) const override {
    ++opened;
    opened_for = peer.to_string();
    return std::make_unique<HandshakeStream>(std::move(fd), peer);
  }
  mutable int opened = 0;
  mutable std::string opened_for;  // the address the layer was given
};

class ProxyStreamBeforeALayer : public testing::Test {
 protected:
  ProxyStreamBeforeALayer() {
    config_.name = "edge";
    config_.proxy_protocol = ProxyProtocol::kAny;
    stream_ = std::make_unique<ProxyStream>(
        std::make_unique<PlainStream>(std::move(pair_.server), proxy_, config_.path), proxy_,
        config_, refusals_, &next_);
  }
  std::pair<IoResult::Status, std::string> read() {
    IoResult result = stream_->read(buffer_);
    return {result.status,
            std::string(buffer_, result.status == IoResult::kDone ? result.bytes : 0)};
  }
  // Bytes waiting on the server's end of the socket, left there.
  std::string waiting() {
    char bytes[256];
    ssize_t n = recv(stream_->fd(), bytes, sizeof(bytes), MSG_PEEK | MSG_DONTWAIT);
    return n > 0 ? std::string(bytes, static_cast<size_t>(n)) : "";
  }

  test::SocketPair pair_;
  SocketAddress proxy_ = inet("127.0.0.1", 41000);
  ListenerConfig config_;
  SharedLogThrottle refusals_;
  HandshakeTransport next_;
  std::unique_ptr<ProxyStream> stream_;
  char buffer_[4096];
};

TEST_F(ProxyStreamBeforeALayer, TheHeaderIsTakenExactlyAndTheLayerGetsTheRest) {
  pair_.client_sends(kV1 + "hello" + "data\n");
  EXPECT_EQ(read().first, IoResult::kWouldBlock);  // the layer's opening took "hello"
  EXPECT_EQ(next_.opened, 1);
  // The layer read from the socket, not from a copy: what it left is there.
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "data\n"s));
  EXPECT_FALSE(stream_->opening());
  EXPECT_EQ(stream_->peer(), "203.0.113.9:5000 via 127.0.0.1:41000 tls=CN=t");
}

// The layer knows the client as the header names it, from its opening on
// (its failures are logged so); its address stays the socket's peer.
TEST_F(ProxyStreamBeforeALayer, TheLayerIsGivenTheClientOfTheHeader) {
  pair_.client_sends(kV1 + "hel");
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(next_.opened_for, "127.0.0.1:41000");
  EXPECT_TRUE(stream_->opening());
  EXPECT_EQ(stream_->peer(), "203.0.113.9:5000 via 127.0.0.1:41000");
}

TEST_F(ProxyStreamBeforeALayer, AHeaderInPiecesIsReadWithoutAByteMore) {
  std::string header = v2_tcp4(0x21, tlv(0x05, "req-7"));
  pair_.client_sends(header.substr(0, 9));
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(waiting(), "");  // a part of the header: taken, so the socket is quiet
  pair_.client_sends(header.substr(9));
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(next_.opened, 1);
  EXPECT_TRUE(stream_->opening());  // the layer's opening is under way
  pair_.client_sends("hello");
  EXPECT_EQ(waiting(), "hello");  // for the layer
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_FALSE(stream_->opening());
  EXPECT_EQ(stream_->peer(), "203.0.113.9:5000 via 127.0.0.1:41000 id=req-7 tls=CN=t");
}

// Wherever the header is cut (or if it is whole), no byte past it is
// taken: the layer gets all of them, from the socket.
TEST_F(ProxyStreamBeforeALayer, AHeaderCutAnywhereIsTakenExactly) {
  std::string header = v2_tcp4(0x21, tlv(0x05, "req-7"));
  for (size_t cut = 1; cut <= header.size(); ++cut) {
    SCOPED_TRACE(testing::Message() << "cut at " << cut);
    test::SocketPair pair;
    HandshakeTransport next;
    ProxyStream stream(std::make_unique<PlainStream>(std::move(pair.server), proxy_, config_.path),
                       proxy_, config_, refusals_, &next);
    pair.client_sends(header.substr(0, cut));
    if (cut < header.size()) {
      EXPECT_EQ(stream.read(buffer_).status, IoResult::kWouldBlock);
      EXPECT_EQ(next.opened, 0);
      pair.client_sends(header.substr(cut));
    }
    pair.client_sends("hellodata\n");
    EXPECT_EQ(stream.read(buffer_).status, IoResult::kWouldBlock);  // the layer took "hello"
    EXPECT_EQ(next.opened, 1);
    IoResult data = stream.read(buffer_);
    ASSERT_EQ(data.status, IoResult::kDone);
    EXPECT_EQ(std::string(buffer_, data.bytes), "data\n");
    EXPECT_EQ(stream.peer(), "203.0.113.9:5000 via 127.0.0.1:41000 id=req-7 tls=CN=t");
  }
}

TEST_F(ProxyStreamBeforeALayer, TheOpeningLastsUntilTheLayerIsOpen) {
  pair_.client_sends(kV1);
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_TRUE(stream_->opening());
  EXPECT_EQ(stream_->peer(), "203.0.113.9:5000 via 127.0.0.1:41000");  // named by the header
  EXPECT_EQ(stream_->refuse_late(), "late handshake");  // the layer's, not the header's
  pair_.client_sends("hello");
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_FALSE(stream_->opening());
  EXPECT_EQ(stream_->peer(), "203.0.113.9:5000 via 127.0.0.1:41000 tls=CN=t");
}

// The connection watches the events the layer's reads wait on, through
// the header's stream.
TEST_F(ProxyStreamBeforeALayer, ReadsWaitOnWhatTheLayerWaitsOn) {
  pair_.client_sends(kV1 + "hel");
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(stream_->interest(/*read=*/true, /*write=*/false), uint32_t{EPOLLOUT});
  EXPECT_TRUE(stream_->ready(EPOLLOUT).read);
  pair_.client_sends("lo");
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(stream_->interest(true, false), uint32_t{EPOLLIN});
}

// The ERR line goes in clear on the socket (no layer was made), and what
// the client sent after it is read in clear while the connection lingers.
TEST_F(ProxyStreamBeforeALayer, ABadHeaderIsRefusedInClear) {
  pair_.client_sends("\x16\x03\x01 a ClientHello\n");
  EXPECT_EQ(read().first, IoResult::kRefused);
  EXPECT_EQ(next_.opened, 0);
  EXPECT_TRUE(stream_->refusal().starts_with("ERR bad PROXY header: ")) << stream_->refusal();
  EXPECT_EQ(stream_->write(std::string(stream_->refusal()) + "\n", true).status, IoResult::kDone);
  EXPECT_TRUE(pair_.client_reads().starts_with("ERR bad PROXY header: "));
  EXPECT_EQ(read().first, IoResult::kDone);
}

TEST_F(ProxyStreamBeforeALayer, ALateHeaderIsTheHeadersRefusal) {
  pair_.client_sends("PROXY TCP4 ");
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_EQ(stream_->refuse_late(), "ERR no complete PROXY header within message_timeout");
  EXPECT_EQ(next_.opened, 0);
}

TEST_F(ProxyStreamBeforeALayer, AProbeAfterTheHeaderEndsInTheLayer) {
  pair_.client_sends(kV1);
  shutdown(pair_.client.get(), SHUT_WR);
  EXPECT_EQ(read().first, IoResult::kEnd);
  EXPECT_EQ(next_.opened, 1);
}

// The usual listener, plain bytes after the header: ProxiedPlainStream, a
// plain stream on the socket that reads the header itself.
class ProxiedPlainStreamTest : public testing::Test {
 protected:
  ProxiedPlainStreamTest() {
    config_.name = "edge";
    config_.proxy_protocol = ProxyProtocol::kAny;
  }
  ProxiedPlainStream& open(const SocketAddress& real_peer = inet("127.0.0.1", 41000)) {
    stream_ = std::make_unique<ProxiedPlainStream>(std::move(pair_.server), real_peer, config_,
                                                   refusals_);
    return *stream_;
  }
  std::pair<IoResult::Status, std::string> read() {
    IoResult result = stream_->read(buffer_);
    return {result.status,
            std::string(buffer_, result.status == IoResult::kDone ? result.bytes : 0)};
  }

  test::SocketPair pair_;
  ListenerConfig config_;
  SharedLogThrottle refusals_;
  std::unique_ptr<ProxiedPlainStream> stream_;
  char buffer_[4096];
};

TEST_F(ProxiedPlainStreamTest, TheHeaderAndTheFirstMessageInOneRead) {
  ProxiedPlainStream& stream = open();
  pair_.client_sends(v2_tcp4(0x21) + "hi\n");
  EXPECT_TRUE(stream.opening());
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "hi\n"s));
  EXPECT_FALSE(stream.opening());
  EXPECT_EQ(stream.peer(), "203.0.113.9:5000 via 127.0.0.1:41000");
  ASSERT_NE(stream.source(), nullptr);
  EXPECT_EQ(stream.source()->to_string(), "203.0.113.9:5000");
  // Writing is the plain stream's own.
  EXPECT_EQ(stream.write("ok\n", false).bytes, 3u);
  EXPECT_EQ(pair_.client_reads(), "ok\n");
}

TEST_F(ProxiedPlainStreamTest, AHeaderInPiecesWaitsUntilWhole) {
  ProxiedPlainStream& stream = open();
  pair_.client_sends(kV1.substr(0, 9));
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  pair_.client_sends(kV1.substr(9));
  // The header alone: the next read finds nothing yet.
  EXPECT_EQ(read().first, IoResult::kWouldBlock);
  EXPECT_FALSE(stream.opening());
  pair_.client_sends("hi\n");
  EXPECT_EQ(read(), std::pair(IoResult::kDone, "hi\n"s));
  EXPECT_EQ(stream.peer(), "203.0.113.9:5000 via 127.0.0.1:41000");
}

TEST_F(ProxiedPlainStreamTest, AnUntrustedSenderIsRefusedAsSuch) {
  ProxiedPlainStream& stream = open(inet("192.0.2.7", 4242));
  pair_.client_sends(kV1 + "hi\n");
  EXPECT_EQ(read().first, IoResult::kRefused);
  EXPECT_EQ(stream.refusal(), "ERR PROXY header from an untrusted source");
  EXPECT_EQ(stream.refused_as(), Refusal::kProxyUntrusted);
  EXPECT_EQ(stream.source()->to_string(), "192.0.2.7:4242");  // the forged address is not used
}

TEST_F(ProxiedPlainStreamTest, ABadHeaderAndALateOneAreHeaderRefusals) {
  ProxiedPlainStream& stream = open();
  pair_.client_sends("hello\n");
  EXPECT_EQ(read().first, IoResult::kRefused);
  EXPECT_TRUE(stream.refusal().starts_with("ERR bad PROXY header: ")) << stream.refusal();
  EXPECT_EQ(stream.refused_as(), Refusal::kProxyHeader);

  test::SocketPair other;
  ProxiedPlainStream late(std::move(other.server), inet("127.0.0.1", 41000), config_, refusals_);
  EXPECT_EQ(late.refuse_late(), "ERR no complete PROXY header within message_timeout");
  EXPECT_EQ(late.refused_as(), Refusal::kProxyHeader);
}

TEST_F(ProxiedPlainStreamTest, AProbeWithoutAByteIsAnEnd) {
  open();
  pair_.client.reset();
  EXPECT_EQ(read().first, IoResult::kEnd);
}

// A stream is made and freed per connection: a freed one's memory is kept
// for the next one, not given back to the allocator (which would hand it
// to the next allocation of that size, here `other`).
TEST_F(ProxiedPlainStreamTest, AFreedStreamsMemoryIsReused) {
  const void* first = &open();
  stream_.reset();
  void* other = ::operator new(sizeof(ProxiedPlainStream));
  test::SocketPair pair;
  pair_.server = std::move(pair.server);
  EXPECT_EQ(&open(), first);
  ::operator delete(other);
}

}  // namespace
}  // namespace ackd

// ProxyStream: a ByteStream that takes the PROXY protocol header (HAProxy's
// doc/proxy-protocol.txt) off the front of a connection before any byte
// reaches the framing, on a listener with proxy_protocol "v1", "v2" or
// "any". It believes the header only from a trusted proxy (trusted_proxies;
// any client of a unix listener); anyone else, and any header that is
// malformed, partial or too long, is refused with one ERR line (kRefused).
// Once open, peer() names the client the header gives and the proxy it came
// through: "203.0.113.9:5000 via 127.0.0.1:41000". The header is on the
// plain socket; on a TLS listener the TLS stream takes the socket over
// after it (the header read exactly, nothing past it), and peer() adds the
// TLS name: "203.0.113.9:5000 via 127.0.0.1:41000 tls=CN=sensor-1". In fork
// mode the header is read in the connection process, like every other
// byte; the refusals' warnings are throttled across those processes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/socket_address.h"
#include "daemon/config/config.h"
#include "daemon/log/shared_log_throttle.h"
#include "daemon/transport/byte_stream.h"
#include "daemon/transport/proxy_header.h"
#include "daemon/transport/stream_transport.h"

namespace ackd {

class ProxyStream final : public ByteStream {
 public:
  // `socket`: the plain stream of the accepted socket; `real_peer`: who
  // connected (the proxy, if it is one); `next`: the transport that takes
  // the socket over after the header (TLS; it must have peek() and
  // release()), or nullptr: the bytes after the header are plain. `config`,
  // `refusals` (the throttle of the refusals' warnings) and `next` outlive this.
  ProxyStream(std::unique_ptr<ByteStream> socket, const SocketAddress& real_peer,
              const ListenerConfig& config, SharedLogThrottle& refusals,
              const StreamTransport* next = nullptr);

  int fd() const override { return inner_->fd(); }
  IoResult read(std::span<char> buffer) override;
  IoResult write(std::string_view data, bool fin_follows) override {
    IoResult result = inner_->write(data, fin_follows);
    follow_waits();
    return result;
  }
  void shutdown_write() override {
    inner_->shutdown_write();
    follow_waits();
  }
  void refuse_input() override { inner_->refuse_input(); }
  bool input_waiting() const override { return inner_->input_waiting(); }
  void discard_input(std::span<char> scratch) override { inner_->discard_input(scratch); }
  void close() override { inner_->close(); }
  std::string_view peer() override;

  // Until the header, and the next layer's opening (a handshake), are done.
  bool opening() const override { return state_ == State::kHeader || inner_->opening(); }
  std::string_view refusal() const override {
    return state_ == State::kRefused ? std::string_view(refusal_) : inner_->refusal();
  }
  std::string_view refuse_late() override;
  // The client the trusted proxy reports (the per-source limits apply to
  // it), or the stream's own source for a LOCAL or UNKNOWN header.
  const SocketAddress* source() const override { return source_ ? &*source_ : inner_->source(); }

  // Made and freed per connection, as the plain stream under it: freed
  // streams are kept for the next ones (see PlainStream).
  static void* operator new(size_t size);
  static void operator delete(void* memory) noexcept;

 private:
  enum class State { kHeader, kOpen, kRefused };

  IoResult read_header(std::span<char> buffer);
  IoResult read_header_exactly(std::span<char> buffer);
  IoResult inner_read(std::span<char> buffer);
  ProxyParseResult parse(std::string_view& got);
  bool admit(const ProxyHeader& header);
  // kProxyHeader: the header is malformed, partial or late.
  IoResult refuse(std::string_view why, Refusal kind = Refusal::kProxyHeader);
  // The events to wait on are the inner stream's (TLS may swap them).
  void follow_waits() {
    read_waits_on_ = inner_->interest(true, false);
    write_waits_on_ = inner_->interest(false, true);
  }

  // The plain socket until the header is read; then the next layer's
  // stream, if there is one, on the same socket.
  std::unique_ptr<ByteStream> inner_;
  const SocketAddress real_peer_;
  const ListenerConfig& config_;
  SharedLogThrottle& refusals_;
  const StreamTransport* next_;
  State state_ = State::kHeader;
  // The bytes of a header that came in pieces, so far (empty while the
  // first read may hold it whole: it is then parsed where it was read).
  std::string received_;
  // From the header: the client (none for LOCAL, UNKNOWN: the real peer
  // stands; formatted by peer() only, when the log or the spool asks), and
  // the proxy's unique id for the connection.
  std::optional<SocketAddress> source_;
  std::string unique_id_;
  std::string peer_text_;
  std::string refusal_;
};

class ProxyTransport final : public StreamTransport {
 public:
  // `socket`: the transport of the socket the header is on (plain); `next`:
  // the one that takes the socket over after it (TLS), or nullptr.
  ProxyTransport(std::unique_ptr<StreamTransport> socket, std::unique_ptr<StreamTransport> next,
                 const ListenerConfig& config)
      : socket_(std::move(socket)), next_(std::move(next)), config_(config) {}
  std::unique_ptr<ByteStream> open(UniqueFd fd, const SocketAddress& peer) const override {
    return std::make_unique<ProxyStream>(socket_->open(std::move(fd), peer), peer, config_,
                                         refusals_, next_.get());
  }

 private:
  std::unique_ptr<StreamTransport> socket_;
  std::unique_ptr<StreamTransport> next_;
  const ListenerConfig& config_;
  // Made in the worker, before it forks connection processes (fork mode).
  mutable SharedLogThrottle refusals_;
};

}  // namespace ackd

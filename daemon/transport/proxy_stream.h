// The streams that take the PROXY protocol header (HAProxy's
// doc/proxy-protocol.txt) off the front of a connection before any byte
// reaches the framing, on a listener with proxy_protocol "v1", "v2" or
// "any"; what they do with it is ProxyHeaderReader's (a trusted proxy
// only, one ERR line for anything else, the client named with the proxy
// it came through: "203.0.113.9:5000 via 127.0.0.1:41000"). ProxyStream
// goes over any stream and hands the socket on to a next layer; the usual
// listener, plain bytes after the header, has ProxiedPlainStream, a
// PlainStream that reads the header itself (no layer to forward through,
// per connection). The header is on the
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
#include "daemon/transport/plain_stream.h"
#include "daemon/transport/proxy_header_reader.h"
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
              const StreamTransport* next = nullptr)
      : inner_(std::move(socket)), real_peer_(real_peer), header_(config, refusals), next_(next) {}

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
  bool opening() const override { return header_.reading() || inner_->opening(); }
  std::string_view refusal() const override {
    return header_.refusal().empty() ? inner_->refusal() : header_.refusal();
  }
  std::string_view refuse_late() override;
  // The client the trusted proxy reports (the per-source limits apply to
  // it), or the stream's own source for a LOCAL or UNKNOWN header.
  const SocketAddress* source() const override {
    const SocketAddress* client = header_.client();
    return client != nullptr ? client : inner_->source();
  }

 private:
  IoResult read_header(std::span<char> buffer);
  IoResult read_header_exactly(std::span<char> buffer);
  IoResult inner_read(std::span<char> buffer);
  IoResult refused() {
    refused_as_ = header_.refused_as();
    return {IoResult::kRefused};
  }
  // The events to wait on are the inner stream's (TLS may swap them).
  void follow_waits() {
    read_waits_on_ = inner_->interest(true, false);
    write_waits_on_ = inner_->interest(false, true);
  }

  // The plain socket until the header is read; then the next layer's
  // stream, if there is one, on the same socket.
  std::unique_ptr<ByteStream> inner_;
  const SocketAddress real_peer_;
  ProxyHeaderReader header_;
  const StreamTransport* next_;
  std::string peer_text_;  // the header's name, once asked (no next layer)
};

// The usual case made lean, as it runs per connection: plain bytes after
// the header, on the accepted socket itself (a PlainStream that takes the
// header off its first reads; every other call is the PlainStream's own).
class ProxiedPlainStream final : public PlainStream {
 public:
  ProxiedPlainStream(UniqueFd fd, const SocketAddress& peer, const ListenerConfig& config,
                     SharedLogThrottle& refusals)
      : PlainStream(std::move(fd), peer, config.path), header_(config, refusals) {}

  IoResult read(std::span<char> buffer) override;
  std::string_view peer() override;
  bool opening() const override { return header_.reading(); }
  std::string_view refusal() const override { return header_.refusal(); }
  std::string_view refuse_late() override {
    refused_as_ = Refusal::kProxyHeader;
    return header_.refuse_late(address());
  }
  const SocketAddress* source() const override {
    const SocketAddress* client = header_.client();
    return client != nullptr ? client : &address();
  }

  // Made and freed per connection: freed streams are kept for the next ones.
  static void* operator new(size_t size);
  static void operator delete(void* memory) noexcept;

 private:
  IoResult read_header(std::span<char> buffer);
  IoResult refused() {
    refused_as_ = header_.refused_as();
    return {IoResult::kRefused};
  }

  ProxyHeaderReader header_;
  bool named_ = false;  // PlainStream's peer text is the header's name
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

// The transport of a listener with a PROXY header and plain bytes after it.
class ProxiedPlainTransport final : public StreamTransport {
 public:
  explicit ProxiedPlainTransport(const ListenerConfig& config) : config_(config) {}
  std::unique_ptr<ByteStream> open(UniqueFd fd, const SocketAddress& peer) const override {
    return std::make_unique<ProxiedPlainStream>(std::move(fd), peer, config_, refusals_);
  }

 private:
  const ListenerConfig& config_;
  mutable SharedLogThrottle refusals_;  // made in the worker, before it forks (fork mode)
};

}  // namespace ackd

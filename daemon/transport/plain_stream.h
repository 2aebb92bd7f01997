// PlainStream: a ByteStream straight on the socket (TCP or unix stream),
// with the system calls ackd used before there were layers: recv, send
// with MSG_MORE so that the FIN rides in the last reply's segment,
// shutdown(SHUT_WR), and on a unix socket shutdown(SHUT_RD) to refuse
// input while draining. PlainTransport makes one per accepted connection;
// ProxiedPlainStream (proxy_stream.h) is one that reads a PROXY header first.
#pragma once

#include <string>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/transport/byte_stream.h"
#include "daemon/transport/stream_transport.h"

namespace ackd {

class PlainStream : public ByteStream {
 public:
  // listener_path: named as the peer of an unnamed unix client (outlives this).
  PlainStream(UniqueFd fd, const SocketAddress& peer, const std::string& listener_path);

  int fd() const override { return fd_.get(); }
  IoResult read(std::span<char> buffer) override;
  IoResult write(std::string_view data, bool fin_follows) override;
  void shutdown_write() override;
  void refuse_input() override;
  bool input_waiting() const override;
  void discard_input(std::span<char> scratch) override;
  void close() override { fd_.reset(); }
  std::string_view peer() override;
  const SocketAddress* source() const override { return &peer_; }
  IoResult peek(std::span<char> buffer) override;
  UniqueFd release() override { return std::move(fd_); }
  // The socket's peer (source() says whom the limits apply to).
  const SocketAddress& address() const { return peer_; }

  // One stream is made and freed per connection, so per message when each
  // connection carries one: freed streams are kept for the next ones.
  static void* operator new(size_t size);
  static void operator delete(void* memory) noexcept;

 protected:
  // What peer() returns from now on, for a stream that knows the client
  // better than the socket does (ProxiedPlainStream: a PROXY header).
  void name_peer(std::string text) { peer_text_ = std::move(text); }

 private:
  UniqueFd fd_;
  SocketAddress peer_;
  const std::string& listener_path_;
  std::string peer_text_;
};

class PlainTransport final : public StreamTransport {
 public:
  explicit PlainTransport(const ListenerConfig& config) : config_(config) {}
  std::unique_ptr<ByteStream> open(UniqueFd fd, const SocketAddress& peer) const override {
    return std::make_unique<PlainStream>(std::move(fd), peer, config_.path);
  }

 private:
  const ListenerConfig& config_;
};

}  // namespace ackd

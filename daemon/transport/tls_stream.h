// TlsStream: a ByteStream that speaks TLS (OpenSSL, non-blocking) on an
// accepted socket. The handshake runs inside the first reads, in the event
// loop, within the connection's opening deadline (message_timeout); a
// failed one is refused (counted by the connection, logged here at a
// bounded rate with OpenSSL's reason); one the client ends before it sent a
// byte is a probe (a health check), no failure. There is no plaintext
// fallback. A
// verified client's name is checked against allowed_clients and recorded
// beside its address: "127.0.0.1:40000 tls=CN=sensor-1". TlsTransport
// makes one per connection from the SSL_CTX the master built.
#pragma once

#include <memory>
#include <string>

#include "common/socket_address.h"
#include "common/unique_fd.h"
#include "daemon/config/config.h"
#include "daemon/log/log_throttle.h"
#include "daemon/transport/byte_stream.h"
#include "daemon/transport/stream_transport.h"

struct ssl_st;  // OpenSSL's SSL

namespace ackd {

class TlsTransport;

class TlsStream final : public ByteStream {
 public:
  TlsStream(UniqueFd fd, const SocketAddress& peer, const TlsTransport& transport);
  ~TlsStream() override;

  int fd() const override { return fd_.get(); }
  IoResult read(std::span<char> buffer) override;
  IoResult write(std::string_view data, bool fin_follows) override;
  void shutdown_write() override;
  void refuse_input() override;
  bool input_waiting() const override;
  void discard_input(std::span<char> scratch) override;
  void close() override { fd_.reset(); }
  bool opening() const override { return !open_; }
  std::string_view refuse_late() override;  // logs why; no line can be sent
  std::string_view peer() override;
  void name_client(std::string_view name) override { named_ = name; }
  const SocketAddress* source() const override { return &peer_; }

 private:
  IoResult handshake();
  IoResult read_records(std::span<char> buffer);
  IoResult refuse(const std::string& why, Refusal kind = Refusal::kTlsHandshake);
  std::string client_for_log() const;
  // After a call that could not go through: which event it waits for.
  static bool would_block(int ssl_error, uint32_t& waits_on);
  bool finish_close_notify();
  void set_cork(bool on);  // TCP_CORK, on a TCP socket

  UniqueFd fd_;
  ssl_st* ssl_ = nullptr;
  SocketAddress peer_;
  const TlsTransport& transport_;
  bool open_ = false;
  bool close_notify_pending_ = false;  // the socket was full: sent by the next read
  bool corked_ = false;
  std::string name_;   // the verified client's, "" if none
  std::string named_;  // as a layer before named the client (name_client), or ""
  std::string peer_text_;
};

class TlsTransport final : public StreamTransport {
 public:
  // config.tls->context must be loaded (load_tls_files). `config` outlives this.
  explicit TlsTransport(const ListenerConfig& config);
  std::unique_ptr<ByteStream> open(UniqueFd fd, const SocketAddress& peer) const override;

  const TlsSettings& settings() const { return *config_.tls; }
  const ListenerConfig& config() const { return config_; }
  // Logs, at a bounded rate, that the handshake with `client` (as the log
  // names it) failed and why.
  void handshake_failed(std::string_view client, const std::string& why) const;

 private:
  const ListenerConfig& config_;
  mutable LogThrottle failures_log_;
};

}  // namespace ackd

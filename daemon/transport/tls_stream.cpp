#include "daemon/transport/tls_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cassert>
#include <cerrno>
#include <climits>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/escape.h"
#include "daemon/transport/tls_context.h"
#include "daemon/transport/tls_identity.h"

namespace ackd {
namespace {

// Why the handshake failed, as far as OpenSSL can tell, for the log.
std::string handshake_error(SSL* ssl, int result, int ssl_error) {
  std::string why = take_openssl_errors();
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    why += std::string(why.empty() ? "" : ": ") + X509_verify_cert_error_string(verify);
  }
  if (!why.empty()) return why;
  if (ssl_error == SSL_ERROR_SYSCALL && result == 0) return "the client closed the connection";
  if (ssl_error == SSL_ERROR_SYSCALL) return std::strerror(errno);
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return "the client closed the connection";
  return "SSL error " + std::to_string(ssl_error);
}

}  // namespace

TlsStream::TlsStream(UniqueFd fd, const SocketAddress& peer, const TlsTransport& transport)
    : fd_(std::move(fd)), peer_(peer), transport_(transport) {
  ssl_ = SSL_new(static_cast<SSL_CTX*>(transport.settings().context.get()));
  if (ssl_ != nullptr && SSL_set_fd(ssl_, fd_.get()) != 1) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (ssl_ != nullptr) SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

IoResult TlsStream::read(std::span<char> buffer) {
  if (ssl_ == nullptr) return refuse("cannot make a TLS session: " + take_openssl_errors());
  if (close_notify_pending_ && !finish_close_notify()) return {IoResult::kWouldBlock};
  if (!open_) {
    IoResult opened = handshake();
    if (!open_) return opened;
  }
  return read_records(buffer);
}

IoResult TlsStream::handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_);
  if (result != 1) {
    int error = SSL_get_error(ssl_, result);
    if (would_block(error, read_waits_on_)) return {IoResult::kWouldBlock};
    if (BIO_number_read(SSL_get_rbio(ssl_)) == 0) {
      // Not a byte came: a probe that connects and closes (or resets).
      ERR_clear_error();
      return {error == SSL_ERROR_SYSCALL && result == 0 ? IoResult::kEnd : IoResult::kBroken};
    }
    return refuse(handshake_error(ssl_, result, error));
  }
  read_waits_on_ = EPOLLIN;
  const TlsSettings& settings = transport_.settings();
  if (settings.verify_client != VerifyClient::kOff) {
    X509* certificate = SSL_get0_peer_certificate(ssl_);
    std::optional<std::string> name =
        admitted_name(client_names(certificate), settings.allowed_clients);
    if (!name) {
      std::vector<std::string> names = client_names(certificate);
      return refuse("client " + (names.empty() ? std::string("(no name)") : names.front()) +
                        " is not on allowed_clients",
                    Refusal::kTlsClient);
    }
    if (certificate != nullptr && SSL_get_verify_result(ssl_) == X509_V_OK) name_ = *name;
  }
  open_ = true;
  return {IoResult::kWouldBlock};
}

// SSL_read returns one record at most: what is decrypted and waiting is
// taken too, since the socket will not wake the loop for it.
IoResult TlsStream::read_records(std::span<char> buffer) {
  size_t got = 0;
  do {
    ERR_clear_error();
    int room = static_cast<int>(std::min<size_t>(buffer.size() - got, INT_MAX));
    int n = SSL_read(ssl_, buffer.data() + got, room);
    if (n > 0) {
      got += static_cast<size_t>(n);
      read_waits_on_ = EPOLLIN;
      continue;
    }
    if (got > 0) break;
    int error = SSL_get_error(ssl_, n);
    if (would_block(error, read_waits_on_)) return {IoResult::kWouldBlock};
    if (error == SSL_ERROR_ZERO_RETURN) return {IoResult::kEnd};
    return {IoResult::kBroken};
  } while (got < buffer.size() && SSL_pending(ssl_) > 0);
  return {IoResult::kDone, got};
}

// The reply's last bytes cannot carry the FIN (it follows close_notify).
IoResult TlsStream::write(std::string_view data, bool fin_follows) {
  if (!open_) return {IoResult::kBroken};  // nothing is answered before the handshake
  // The last reply, close_notify and the FIN leave in one segment (corked
  // until shutdown_write), so a keep-alive client sees the close with the
  // reply, before it sends again, as without TLS (MSG_MORE there).
  if (fin_follows) set_cork(true);
  ERR_clear_error();
  int n = SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), INT_MAX)));
  if (n > 0) {
    write_waits_on_ = EPOLLOUT;
    return {IoResult::kDone, static_cast<size_t>(n)};
  }
  if (would_block(SSL_get_error(ssl_, n), write_waits_on_)) return {IoResult::kWouldBlock};
  return {IoResult::kBroken};
}

bool TlsStream::would_block(int ssl_error, uint32_t& waits_on) {
  if (ssl_error == SSL_ERROR_WANT_READ) {
    waits_on = EPOLLIN;
    return true;
  }
  if (ssl_error == SSL_ERROR_WANT_WRITE) {
    waits_on = EPOLLOUT;
    return true;
  }
  return false;
}

// close_notify, then the FIN. If the socket is full, the read side waits
// for room and the next read() sends them.
void TlsStream::shutdown_write() {
  if (!open_ || ssl_ == nullptr) {
    ::shutdown(fd_.get(), SHUT_WR);
    return;
  }
  close_notify_pending_ = true;
  finish_close_notify();
}

bool TlsStream::finish_close_notify() {
  ERR_clear_error();
  int result = SSL_shutdown(ssl_);
  if (result < 0 && would_block(SSL_get_error(ssl_, result), read_waits_on_)) return false;
  close_notify_pending_ = false;
  read_waits_on_ = EPOLLIN;
  ::shutdown(fd_.get(), SHUT_WR);
  set_cork(false);
  return true;
}

void TlsStream::set_cork(bool on) {
  if (peer_.family() != AF_INET && peer_.family() != AF_INET6) return;
  if (corked_ == on) return;
  int value = on ? 1 : 0;
  corked_ = setsockopt(fd_.get(), IPPROTO_TCP, TCP_CORK, &value, sizeof(value)) == 0 && on;
}

// A unix socket has no segment for the FIN to ride in: as PlainStream does.
void TlsStream::refuse_input() {
  if (peer_.family() == AF_UNIX) ::shutdown(fd_.get(), SHUT_RD);
}

bool TlsStream::input_waiting() const {
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  char byte;
  return recv(fd_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

void TlsStream::discard_input(std::span<char> scratch) {
  while (recv(fd_.get(), scratch.data(), scratch.size(), MSG_DONTWAIT) > 0) {
  }
}

IoResult TlsStream::refuse(const std::string& why, Refusal kind) {
  refused_as_ = kind;
  transport_.handshake_failed(client_for_log(), why);
  return {IoResult::kRefused};
}

// As a layer before named the client (a PROXY header), or its address.
std::string TlsStream::client_for_log() const {
  return named_.empty() ? peer_.to_string() : escape_for_log(named_);
}

std::string_view TlsStream::refuse_late() {
  refused_as_ = Refusal::kTlsHandshake;
  transport_.handshake_failed(client_for_log(), "timed out (message_timeout)");
  return {};
}

std::string_view TlsStream::peer() {
  if (peer_text_.empty() || !open_) {  // the name is known once open
    // Unix stream clients are usually unnamed: name the socket they came through.
    if (!named_.empty()) {
      peer_text_ = named_;
    } else {
      peer_text_ =
          peer_.is_unnamed_unix() ? "unix:" + transport_.config().path : peer_.to_raw_string();
    }
    if (!name_.empty()) peer_text_ += " tls=" + name_;
  }
  return peer_text_;
}

TlsTransport::TlsTransport(const ListenerConfig& config) : config_(config) {
  assert(config.tls && config.tls->context);  // loaded with the config, by the master
}

std::unique_ptr<ByteStream> TlsTransport::open(UniqueFd fd, const SocketAddress& peer) const {
  return std::make_unique<TlsStream>(std::move(fd), peer, *this);
}

void TlsTransport::handshake_failed(std::string_view client, const std::string& why) const {
  if (auto note = failures_log_.admit(std::chrono::steady_clock::now())) {
    spdlog::warn("listener {}: TLS handshake with {} failed: {}{}", config_.name, client, why,
                 *note);
  }
}

}  // namespace ackd

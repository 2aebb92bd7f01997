#include "client/tls_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "client/client_error.h"
#include "client/exit_codes.h"

namespace ackd::client {
namespace {

// OpenSSL's error queue, its reasons only, as one line; cleared.
std::string openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    const char* reason = std::strrchr(buffer, ':');
    text += (text.empty() ? "" : "; ") + std::string(reason != nullptr ? reason + 1 : buffer);
  }
  return text;
}

bool is_ip_address(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// An SSL call that could not finish: -1 with EAGAIN, and what to poll for.
ssize_t would_block_or_fail(SSL* ssl, int result, short& wants) {
  int error = SSL_get_error(ssl, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    wants = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    errno = EAGAIN;
    return -1;
  }
  if (error == SSL_ERROR_ZERO_RETURN) return 0;
  if (error == SSL_ERROR_SYSCALL && errno != 0) return -1;
  errno = ECONNRESET;  // a TLS alert, or a close mid-record: nothing more comes
  ERR_clear_error();
  return -1;
}

class TlsClientStream final : public ClientStream {
 public:
  TlsClientStream(SSL* ssl, int fd) : ssl_(ssl), fd_(fd) {}
  ~TlsClientStream() override { SSL_free(ssl_); }
  int fd() const override { return fd_; }
  ssize_t send(const char* data, size_t size) override {
    ERR_clear_error();
    int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, INT_MAX)));
    if (n > 0) return n;
    return would_block_or_fail(ssl_, n, wants_) == 0 ? (errno = EPIPE, -1) : -1;
  }
  ssize_t recv(char* buffer, size_t size) override {
    ERR_clear_error();
    int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(size, INT_MAX)));
    if (n > 0) return n;
    return would_block_or_fail(ssl_, n, wants_);
  }
  int shutdown_write() override {
    SSL_shutdown(ssl_);  // close_notify; if the socket is full, the FIN alone
    ERR_clear_error();
    return ::shutdown(fd_, SHUT_WR);
  }
  short extra_poll_events() const override { return wants_; }

 private:
  SSL* ssl_;
  int fd_;
  short wants_ = 0;
};

void handshake(SSL* ssl, int fd, const SocketAddress& peer, const Deadline& deadline) {
  while (true) {
    ERR_clear_error();
    int result = SSL_connect(ssl);
    if (result == 1) return;
    int error = SSL_get_error(ssl, result);
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
      std::string why = openssl_errors();
      long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) why += std::string(": ") + X509_verify_cert_error_string(verify);
      if (why.empty()) why = "the server closed the connection";
      throw ClientError(kExitProtocol,
                        "TLS handshake with " + peer.to_string() + " failed: " + why);
    }
    short events = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    if (poll_until(fd, events, deadline) == 0) {
      throw ClientError(kExitTimeout, "TLS handshake with " + peer.to_string() + " took over " +
                                          format_duration(deadline.budget()));
    }
  }
}

}  // namespace

TlsClient::TlsClient(const TlsClientOptions& options, const std::string& host)
    : name_(options.servername.empty() ? host : options.servername) {
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) throw ClientError(kExitFailure, "SSL_CTX_new: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx_.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
  int loaded = options.ca.empty()
                   ? SSL_CTX_set_default_verify_paths(ctx_.get())
                   : SSL_CTX_load_verify_locations(ctx_.get(), options.ca.c_str(), nullptr);
  if (loaded != 1) {
    throw ClientError(kExitUsage, "--ca " + options.ca + ": " + openssl_errors());
  }
  if (options.cert.empty() != options.key.empty()) {
    throw ClientError(kExitUsage, "--cert and --key go together");
  }
  if (!options.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_.get(), options.cert.c_str()) != 1) {
      throw ClientError(kExitUsage, "--cert " + options.cert + ": " + openssl_errors());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_.get(), options.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx_.get()) != 1) {
      throw ClientError(kExitUsage, "--key " + options.key + ": " + openssl_errors());
    }
  }
}

void TlsClient::ContextFree::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

SSL* TlsClient::new_session(int fd) const {
  SSL* ssl = SSL_new(ctx_.get());
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_connect_state(ssl);
  bool address = is_ip_address(name_);
  if (!address) SSL_set_tlsext_host_name(ssl, name_.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (address) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name_.c_str());
  } else if (!name_.empty() && name_.front() != '/') {  // a unix path names no host
    SSL_set1_host(ssl, name_.c_str());
  }
  return ssl;
}

std::unique_ptr<ClientStream> TlsClient::open(int fd, const SocketAddress& peer,
                                              const Deadline& deadline) const {
  SSL* ssl = new_session(fd);
  if (ssl == nullptr) throw ClientError(kExitFailure, "SSL_new: " + openssl_errors());
  auto stream = std::make_unique<TlsClientStream>(ssl, fd);  // owns ssl from here
  handshake(ssl, fd, peer, deadline);
  return stream;
}

}  // namespace ackd::client

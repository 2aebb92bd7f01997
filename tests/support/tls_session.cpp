#include "tests/support/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <memory>
#include <stdexcept>

#include "tests/support/net.h"

namespace ackd::test {
namespace {

std::string openssl_errors() {
  std::string text;
  while (unsigned long error = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(error, line, sizeof(line));
    text += std::string(text.empty() ? "" : "; ") + line;
  }
  return text;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("TLS test client: " + what + ": " + openssl_errors());
}

void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

}  // namespace

TlsSession::TlsSession(UniqueFd fd, const std::string& ca, const CertFiles* client,
                       std::string_view preamble)
    : fd_(std::move(fd)) {
  if (!preamble.empty()) send_all(fd_.get(), preamble);
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) fail("SSL_CTX_new");
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);  // a FIN alone is an end too
  if (SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr) != 1) fail("loading " + ca);
  if (client != nullptr &&
      (SSL_CTX_use_certificate_chain_file(ctx_, client->certificate.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx_, client->key.c_str(), SSL_FILETYPE_PEM) != 1)) {
    fail("loading " + client->certificate);
  }
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_.get()) != 1) fail("SSL_new");
  set_receive_timeout(fd_.get(), std::chrono::seconds(10));
  if (SSL_connect(ssl_) != 1) fail("handshake");
}

TlsSession::~TlsSession() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
}

std::string TlsSession::subject() const {
  X509* certificate = SSL_get0_peer_certificate(ssl_);
  if (certificate == nullptr) return "";
  char text[256];
  X509_NAME_oneline(X509_get_subject_name(certificate), text, sizeof(text));
  return std::string(text).substr(text[0] == '/' ? 1 : 0);
}

std::string TlsSession::serial() const {
  X509* certificate = SSL_get0_peer_certificate(ssl_);
  if (certificate == nullptr) return "";
  std::unique_ptr<BIGNUM, decltype(&BN_free)> number(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr), BN_free);
  std::unique_ptr<char, void (*)(char*)> hex(BN_bn2hex(number.get()),
                                             [](char* p) { OPENSSL_free(p); });
  return hex ? hex.get() : "";
}

void TlsSession::send(std::string_view data) {
  if (SSL_write(ssl_, data.data(), static_cast<int>(data.size())) !=
      static_cast<int>(data.size())) {
    fail("SSL_write");
  }
}

// 1: a byte; 0: the server's end; -1: nothing within `timeout` (or an error).
int TlsSession::read_byte(char& byte, std::chrono::milliseconds timeout) {
  set_receive_timeout(fd_.get(), timeout);
  int n = SSL_read(ssl_, &byte, 1);
  if (n == 1) return 1;
  int error = SSL_get_error(ssl_, n);
  ERR_clear_error();
  if (error == SSL_ERROR_ZERO_RETURN) return 0;
  return -1;
}

std::string TlsSession::read_line(std::chrono::milliseconds timeout) {
  std::string line;
  char byte = 0;
  while (read_byte(byte, timeout) == 1 && byte != '\n') line += byte;
  return line;
}

bool TlsSession::ends_within(std::chrono::milliseconds timeout) {
  char byte = 0;
  return read_byte(byte, timeout) == 0;
}

}  // namespace ackd::test

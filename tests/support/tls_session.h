// TlsSession: a blocking TLS client connection for tests that need what
// ackctl does not show: a connection held open across a reload, the
// certificate the server presented on it (subject and serial), and bytes
// sent in clear before the handshake (a PROXY header). OpenSSL, the server
// verified against the test CA. Errors throw std::runtime_error with
// OpenSSL's reason.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "tests/support/tls_pki.h"

struct ssl_ctx_st;
struct ssl_st;

namespace ackd::test {

class TlsSession {
 public:
  // On the connected socket `fd`: sends `preamble` in clear, then runs the
  // handshake, trusting `ca`, with the `client` certificate if given.
  TlsSession(UniqueFd fd, const std::string& ca, const CertFiles* client = nullptr,
             std::string_view preamble = "");
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // The server certificate of this connection: "CN=localhost", and its
  // serial number in hex.
  std::string subject() const;
  std::string serial() const;

  void send(std::string_view data);
  // Up to LF (excluded), the server's end or `timeout`: what was read.
  std::string read_line(std::chrono::milliseconds timeout);
  // True if the server ends the connection (close_notify or FIN) within
  // `timeout`, with nothing more sent.
  bool ends_within(std::chrono::milliseconds timeout);

 private:
  int read_byte(char& byte, std::chrono::milliseconds timeout);

  UniqueFd fd_;
  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
};

}  // namespace ackd::test

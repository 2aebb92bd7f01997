// ackctl's TLS (--tls, --ca, --cert, --key, --servername): a client context
// built from the options, and a ClientStream that runs the handshake on a
// connected socket within the deadline. The server's certificate is
// verified against --ca (else the system's CAs) and its name against
// --servername, else the HOST operand (a name or an IP address).
#pragma once

#include <memory>
#include <string>

#include "client/client_stream.h"
#include "client/deadline.h"
#include "common/socket_address.h"

struct ssl_ctx_st;
struct ssl_st;

namespace ackd::client {

struct TlsClientOptions {
  bool enabled = false;
  std::string ca;    // PEM CAs to trust; empty: the system's
  std::string cert;  // a client certificate (PEM), with --key
  std::string key;
  std::string servername;  // SNI and the name checked; empty: HOST
};

class TlsClient {
 public:
  // `host`: the HOST operand. Throws ClientError(kExitUsage) for unusable files.
  TlsClient(const TlsClientOptions& options, const std::string& host);
  ~TlsClient() = default;
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // A TLS stream on the connected socket `fd` (which outlives it), the
  // handshake done. Throws ClientError(kExitProtocol) if it fails (with
  // OpenSSL's reason), kExitTimeout past the deadline.
  std::unique_ptr<ClientStream> open(int fd, const SocketAddress& peer,
                                     const Deadline& deadline) const;
  // A session on `fd` in the connecting state, for a caller that runs the
  // handshake itself (bench: SSL_do_handshake in its event loop); nullptr
  // if OpenSSL cannot make one. Thread-safe (the context is shared).
  ssl_st* new_session(int fd) const;

 private:
  struct ContextFree {
    void operator()(ssl_ctx_st* ctx) const;
  };
  // Owned from the start: a constructor that throws (an unusable --ca)
  // frees it too.
  std::unique_ptr<ssl_ctx_st, ContextFree> ctx_;
  std::string name_;  // checked against the certificate, sent as SNI if not an address
};

}  // namespace ackd::client

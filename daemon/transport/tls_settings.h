// TlsSettings: a TLS listener's [listener.tls] table, and the server context
// (SSL_CTX) the master builds from the files it names, as root, when the
// config is loaded (at start, at each reload, and for --check-config).
// Workers inherit the context and never open a key file; all of them share
// its session ticket keys, so a client resumes with whichever worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, kept out of the config's includes

namespace ackd {

enum class VerifyClient { kOff, kOptional, kRequire };

struct TlsSettings {
  std::string certificate;  // paths, as configured (for messages)
  std::string key;
  std::string client_ca;  // empty: none
  VerifyClient verify_client = VerifyClient::kOff;
  // "CN=name" or "DNS:name" entries; empty: any verified client.
  std::vector<std::string> allowed_clients;
  // Built from the files by load_tls_context (tls_context.h); null until
  // then (a config parsed without checking the machine).
  std::shared_ptr<ssl_ctx_st> context;
};

}  // namespace ackd

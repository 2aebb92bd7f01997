// The server side of OpenSSL for a TLS listener: reading its certificate
// chain, key and client CAs, and building the SSL_CTX (TLS 1.2 at least,
// client certificates as verify_client says). The master calls
// load_tls_context when it loads a config; failures say which file and why.
#pragma once

#include <stdexcept>
#include <string>

#include "daemon/transport/tls_settings.h"

namespace ackd {

// A problem with one of the files: `key` names the setting ("certificate",
// "key", "client_ca") so the config error can point at it.
class TlsFileError : public std::runtime_error {
 public:
  TlsFileError(std::string key, const std::string& why)
      : std::runtime_error(why), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Reads the files `settings` names and sets settings.context. Throws
// TlsFileError (unreadable file, no PEM in it, a key that does not match
// the certificate). The key's bytes are wiped from memory once parsed.
void load_tls_context(TlsSettings& settings);

// OpenSSL's error queue as one line ("" if empty), which it clears.
std::string take_openssl_errors();

}  // namespace ackd

// TestPki: certificates for the TLS tests, made at test time by the
// `openssl` CLI in the test's temp dir: a CA, a server certificate for
// 127.0.0.1/localhost, and client certificates (good, expired, or from a
// CA the server does not know). Tests skip when `openssl` is missing.
#pragma once

#include <string>

namespace ackd::test {

// Whether the `openssl` command runs (install-deps installs it).
bool openssl_available();

struct CertFiles {
  std::string certificate;  // PEM
  std::string key;          // PEM, unencrypted
};

class TestPki {
 public:
  // Makes the CA "ca" and the server certificate "server" in `dir`.
  // Throws std::runtime_error with openssl's stderr if a command fails.
  explicit TestPki(std::string dir);

  const std::string& ca() const { return ca_.certificate; }
  const CertFiles& server() const { return server_; }
  // A leaf certificate `name`.pem/.key with subject CN=cn (and DNS:dns if
  // given), signed by this CA, or by a CA of its own (`foreign`).
  CertFiles issue(const std::string& name, const std::string& cn, const std::string& dns = "",
                  bool expired = false, bool foreign = false) const;
  std::string file(const std::string& name) const { return dir_ + "/" + name; }

 private:
  CertFiles make_ca(const std::string& name) const;

  std::string dir_;
  CertFiles ca_;
  CertFiles foreign_ca_;
  CertFiles server_;
};

}  // namespace ackd::test

#include "daemon/transport/tls_context.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/unique_fd.h"

namespace ackd {
namespace {

constexpr off_t kMaxPemFile = 1 << 20;  // a chain of a few certificates is kilobytes
// Names this server's sessions: a session resumed with a client certificate
// must come from here (OpenSSL refuses resumption without one).
constexpr unsigned char kSessionContext[] = "ackd";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x509) const { X509_free(x509); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The whole file, read as the master (root); a regular file of sane size.
std::string read_pem_file(const std::string& key, const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) throw TlsFileError(key, "cannot open \"" + path + "\": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw TlsFileError(key, "\"" + path + "\" is not a regular file");
  }
  if (st.st_size > kMaxPemFile) {
    throw TlsFileError(key, "\"" + path + "\" is larger than 1MiB: not a PEM file");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw TlsFileError(key, "cannot read \"" + path + "\": " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

BioPtr memory_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The first certificate is the server's, the rest its chain.
void use_certificate_chain(SSL_CTX* ctx, const std::string& path) {
  std::string pem = read_pem_file("certificate", path);
  BioPtr bio = memory_bio(pem);
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    throw TlsFileError("certificate",
                       "no PEM certificate in \"" + path + "\" (" + take_openssl_errors() + ")");
  }
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, next) != 1) {
      X509_free(next);
      throw TlsFileError("certificate",
                         "bad chain in \"" + path + "\" (" + take_openssl_errors() + ")");
    }
  }
  ERR_clear_error();  // the end of the file reads as "no start line"
}

void use_private_key(SSL_CTX* ctx, const std::string& path) {
  std::string pem = read_pem_file("key", path);
  BioPtr bio = memory_bio(pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!pkey) {
    throw TlsFileError("key", "no PEM private key in \"" + path +
                                  "\" (an encrypted key is not supported) (" +
                                  take_openssl_errors() + ")");
  }
  if (SSL_CTX_use_PrivateKey(ctx, pkey.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    throw TlsFileError(
        "key", "\"" + path + "\" does not match the certificate (" + take_openssl_errors() + ")");
  }
}

// The CAs a client certificate must chain to; their names go in the
// server's certificate request.
void use_client_cas(SSL_CTX* ctx, const std::string& path) {
  std::string pem = read_pem_file("client_ca", path);
  BioPtr bio = memory_bio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509Ptr owned(ca);
    if (X509_STORE_add_cert(store, ca) != 1 || SSL_CTX_add_client_CA(ctx, ca) != 1) {
      throw TlsFileError("client_ca", "cannot use a certificate of \"" + path + "\" (" +
                                          take_openssl_errors() + ")");
    }
    ++count;
  }
  ERR_clear_error();
  if (count == 0) throw TlsFileError("client_ca", "no PEM certificate in \"" + path + "\"");
}

int verify_mode(VerifyClient verify) {
  switch (verify) {
    case VerifyClient::kOff:
      return SSL_VERIFY_NONE;
    case VerifyClient::kOptional:
      return SSL_VERIFY_PEER;
    case VerifyClient::kRequire:
      return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  return SSL_VERIFY_NONE;
}

}  // namespace

std::string take_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    // "error:0A000086:SSL routines::certificate verify failed": the reason.
    const char* reason = std::strrchr(buffer, ':');
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason + 1 : buffer;
  }
  return text;
}

void load_tls_context(TlsSettings& settings) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) throw TlsFileError("certificate", "SSL_CTX_new: " + take_openssl_errors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Replies are written from a buffer that may move and grow between tries.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
  // A client that closes without close_notify ends its stream like a FIN.
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof(kSessionContext) - 1);
  use_certificate_chain(ctx.get(), settings.certificate);
  use_private_key(ctx.get(), settings.key);
  if (!settings.client_ca.empty()) use_client_cas(ctx.get(), settings.client_ca);
  SSL_CTX_set_verify(ctx.get(), verify_mode(settings.verify_client), nullptr);
  settings.context = std::move(ctx);
}

}  // namespace ackd

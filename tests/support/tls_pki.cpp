#include "tests/support/tls_pki.h"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "tests/support/process.h"

namespace ackd::test {
namespace {

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  RunResult result = run(args);
  if (result.exit_code != 0) {
    throw std::runtime_error("openssl " + args[1] + " failed: " + result.err);
  }
}

std::vector<std::string> new_ec_key() {
  return {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
}

}  // namespace

bool openssl_available() {
  try {
    return run({"openssl", "version"}).exit_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

TestPki::TestPki(std::string dir) : dir_(std::move(dir)) {
  ca_ = make_ca("ca");
  foreign_ca_ = make_ca("foreign-ca");
  server_ = issue("server", "localhost", "localhost");
}

CertFiles TestPki::make_ca(const std::string& name) const {
  CertFiles ca{file(name + ".pem"), file(name + ".key")};
  std::vector<std::string> args = {"req", "-x509"};
  for (const std::string& a : new_ec_key()) args.push_back(a);
  for (const std::string& a :
       {std::string("-keyout"), ca.key, std::string("-out"), ca.certificate, std::string("-days"),
        std::string("30"), std::string("-subj"), "/CN=ackd test " + name}) {
    args.push_back(a);
  }
  openssl(args);
  return ca;
}

CertFiles TestPki::issue(const std::string& name, const std::string& cn, const std::string& dns,
                         bool expired, bool foreign) const {
  CertFiles leaf{file(name + ".pem"), file(name + ".key")};
  std::string csr = file(name + ".csr");
  std::vector<std::string> req = {"req"};
  for (const std::string& a : new_ec_key()) req.push_back(a);
  for (const std::string& a : {std::string("-keyout"), leaf.key, std::string("-out"), csr,
                               std::string("-subj"), "/CN=" + cn}) {
    req.push_back(a);
  }
  openssl(req);
  std::string extensions = file(name + ".ext");
  std::ofstream(extensions) << "subjectAltName=IP:127.0.0.1" << (dns.empty() ? "" : ",DNS:" + dns)
                            << "\n";
  const CertFiles& ca = foreign ? foreign_ca_ : ca_;
  // -days -1: valid from now, ended a day ago.
  openssl({"x509", "-req", "-in", csr, "-CA", ca.certificate, "-CAkey", ca.key, "-CAcreateserial",
           "-out", leaf.certificate, "-days", expired ? "-1" : "30", "-extfile", extensions});
  return leaf;
}

}  // namespace ackd::test

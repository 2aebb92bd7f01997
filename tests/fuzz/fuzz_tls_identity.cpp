// Fuzzes what ackd itself makes of a client certificate (tls_identity.h):
// the input is a DER certificate, as a verified client could present it;
// client_names reads its subject CN and SAN DNS entries (any bytes, NULs
// included) and admitted_name matches them against an allowed_clients
// list. Invariants: an admitted name is one of the certificate's names, on
// the list, with no NUL byte; with an empty list the first NUL-free name.
#include <openssl/x509.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "daemon/transport/tls_identity.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_tls_identity: invariant violated: %s\n", what);
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned char* cursor = data;
  X509* certificate = d2i_X509(nullptr, &cursor, static_cast<long>(size));
  std::vector<std::string> names = ackd::client_names(certificate);
  X509_free(certificate);
  for (const std::string& name : names) {
    check(name.rfind("CN=", 0) == 0 || name.rfind("DNS:", 0) == 0, "a name without its kind");
  }
  // The lists: none (any verified client), a configured one, the names themselves.
  const std::vector<std::vector<std::string>> lists = {
      {}, {"CN=sensor-1", "DNS:sensor-2.example"}, names};
  for (const std::vector<std::string>& allowed : lists) {
    std::optional<std::string> admitted = ackd::admitted_name(names, allowed);
    if (!admitted) continue;
    check(admitted->find('\0') == std::string::npos, "an admitted name holds a NUL");
    if (admitted->empty()) {
      check(allowed.empty(), "no name admitted by a list");
      continue;
    }
    check(std::find(names.begin(), names.end(), *admitted) != names.end(), "not the client's");
    check(allowed.empty() || std::find(allowed.begin(), allowed.end(), *admitted) != allowed.end(),
          "not on the list");
  }
  return 0;
}

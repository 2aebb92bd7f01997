// Who a verified TLS client is: the names its certificate carries ("CN=" the
// subject's common name, "DNS:" each subjectAltName DNS entry), and which of
// them an allowed_clients list admits. The matching is pure (unit-tested and
// fuzzed); client_names reads a certificate.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct x509_st;  // OpenSSL's X509

namespace ackd {

// "CN=..." first (if the subject has one), then "DNS:..." for each SAN.
std::vector<std::string> client_names(const x509_st* certificate);

// The name the client is recorded by: the first of `names` on `allowed`
// (compared exactly; a CN or DNS name with a NUL byte never matches), or
// with `allowed` empty the first name, or "" if it has none. nullopt: not
// allowed.
std::optional<std::string> admitted_name(const std::vector<std::string>& names,
                                         const std::vector<std::string>& allowed);

}  // namespace ackd

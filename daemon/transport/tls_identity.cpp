#include "daemon/transport/tls_identity.h"

#include <openssl/asn1.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

namespace ackd {
namespace {

std::string asn1_text(const ASN1_STRING* text) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                     static_cast<size_t>(ASN1_STRING_length(text)));
}

struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};

}  // namespace

std::vector<std::string> client_names(const x509_st* certificate) {
  std::vector<std::string> names;
  if (certificate == nullptr) return names;
  const X509_NAME* subject = X509_get_subject_name(certificate);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, index);
    names.push_back("CN=" + asn1_text(X509_NAME_ENTRY_get_data(entry)));
  }
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
    if (name->type == GEN_DNS) names.push_back("DNS:" + asn1_text(name->d.dNSName));
  }
  return names;
}

std::optional<std::string> admitted_name(const std::vector<std::string>& names,
                                         const std::vector<std::string>& allowed) {
  for (const std::string& name : names) {
    if (name.find('\0') != std::string::npos) continue;  // "CN=a\0.evil" is not "CN=a"
    if (allowed.empty()) return name;
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) return name;
  }
  if (allowed.empty()) return std::string();
  return std::nullopt;
}

}  // namespace ackd

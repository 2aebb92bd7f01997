#include "daemon/config/tls_keys.h"

#include <memory>
#include <optional>
#include <stdexcept>

#include "daemon/transport/tls_context.h"

namespace ackd {
namespace {

constexpr const char* kTlsKeys[] = {"certificate", "key", "client_ca", "verify_client",
                                    "allowed_clients"};
constexpr const char* kVerifyExpected = "\"off\", \"optional\" or \"require\"";
constexpr const char* kAllowedExpected =
    "expected a list of client names like [\"CN=sensor-1\", \"DNS:sensor-2.example\"]";

VerifyClient parse_verify_client(const std::string& text) {
  if (text == "off") return VerifyClient::kOff;
  if (text == "optional") return VerifyClient::kOptional;
  if (text == "require") return VerifyClient::kRequire;
  throw std::invalid_argument("unknown verify_client \"" + text +
                              "\" (expected off, optional or require)");
}

// "CN=name" (the subject's common name) or "DNS:name" (a SAN entry).
std::string check_client_name(const std::string& text) {
  for (const char* prefix : {"CN=", "DNS:"}) {
    std::string_view p(prefix);
    if (text.size() > p.size() && text.compare(0, p.size(), p) == 0) return text;
  }
  throw std::invalid_argument("\"" + text + "\" is not \"CN=name\" or \"DNS:name\"");
}

std::optional<std::vector<std::string>> read_allowed_clients(ConfigReader& reader,
                                                             const toml::node& node,
                                                             const std::string& key) {
  const toml::array* array = node.as_array();
  if (array == nullptr || array->empty()) {
    reader.problem(node.source(), key,
                   array == nullptr ? kAllowedExpected
                                    : "empty: no client could connect (list "
                                      "at least one, or remove the key)");
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& entry = (*array)[i];
    std::string entry_key = key + "[" + std::to_string(i) + "]";
    std::optional<std::string> text = entry.value<std::string>();
    try {
      if (!entry.is_string() || !text) throw std::invalid_argument(kAllowedExpected);
      names.push_back(check_client_name(*text));
    } catch (const std::invalid_argument& e) {
      reader.problem(entry.source(), entry_key, e.what());
    }
  }
  if (names.size() != array->size()) return std::nullopt;
  return names;
}

// What the keys require of each other.
void check_consistency(ConfigReader& reader, const toml::table& table, const std::string& p,
                       const TlsSettings& tls) {
  for (const char* key : {"certificate", "key"}) {
    if (!table.get(key)) reader.problem(table.source(), p + key, "missing (required for TLS)");
  }
  if (tls.verify_client != VerifyClient::kOff && tls.client_ca.empty()) {
    reader.problem(table.get("verify_client")->source(), p + "verify_client",
                   "needs client_ca (the CAs client certificates must chain to)");
  }
  const toml::node* allowed = table.get("allowed_clients");
  if (allowed != nullptr && tls.verify_client != VerifyClient::kRequire) {
    reader.problem(allowed->source(), p + "allowed_clients",
                   "needs verify_client = \"require\" (only a verified client has a name)");
  }
}

}  // namespace

void read_tls_table(ConfigReader& reader, const toml::table& listener_table, const std::string& lp,
                    ListenerConfig& listener) {
  const toml::node* node = listener_table.get("tls");
  if (node == nullptr) return;
  const std::string p = lp + "tls.";
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    reader.problem(node->source(), lp + "tls", "must be a table: [listener.tls]");
    return;
  }
  if (!is_stream(listener.protocol)) {
    reader.problem(node->source(), lp + "tls",
                   "only tcp and unix (stream) listeners speak TLS (DTLS is not supported)");
    return;
  }
  reader.reject_unknown_keys(*table, p, kTlsKeys);
  auto tls = std::make_shared<TlsSettings>();
  if (auto v = reader.get_string(*table, p, "certificate", "a path")) tls->certificate = *v;
  if (auto v = reader.get_string(*table, p, "key", "a path")) tls->key = *v;
  if (auto v = reader.get_string(*table, p, "client_ca", "a path")) tls->client_ca = *v;
  if (auto v = reader.get_parsed<VerifyClient>(*table, p, "verify_client", kVerifyExpected,
                                               parse_verify_client)) {
    tls->verify_client = *v;
  }
  if (const toml::node* allowed = table->get("allowed_clients")) {
    if (auto names = read_allowed_clients(reader, *allowed, p + "allowed_clients")) {
      tls->allowed_clients = std::move(*names);
    }
  }
  check_consistency(reader, *table, p, *tls);
  listener.tls = std::move(tls);
}

void load_tls_files(ConfigReader& reader, const toml::array& listener_tables,
                    std::vector<ListenerConfig>& listeners) {
  for (size_t i = 0; i < listeners.size() && i < listener_tables.size(); ++i) {
    ListenerConfig& listener = listeners[i];
    if (!listener.tls || listener.tls->certificate.empty() || listener.tls->key.empty()) continue;
    const toml::table* table = listener_tables[i].as_table()->get_as<toml::table>("tls");
    auto loaded = std::make_shared<TlsSettings>(*listener.tls);
    try {
      load_tls_context(*loaded);
      listener.tls = std::move(loaded);
    } catch (const TlsFileError& e) {
      const toml::node* at = table->get(e.key());
      reader.problem(at != nullptr ? at->source() : table->source(),
                     "listener[" + std::to_string(i) + "].tls." + e.key(), e.what());
    }
  }
}

}  // namespace ackd

#include "daemon/service/service_registry.h"

#include <algorithm>
#include <vector>

#include "daemon/service/ack_service.h"
#include "daemon/service/echo_service.h"
#include "daemon/service/haproxy_agent_service.h"

namespace ackd {
namespace {

bool takes(const ServiceEntry& service, std::string_view key) {
  return std::any_of(service.keys.begin(), service.keys.end(),
                     [&](const ServiceKey& k) { return key == k.name; });
}

// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string_view>& names, const char* last_separator) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? last_separator : ", ";
    text += names[i];
  }
  return text;
}

// "only the ack service takes an ack text"
std::string only_others_take(std::string_view key) {
  std::vector<std::string_view> owners;
  const char* holds = "";
  for (const ServiceEntry& service : services()) {
    for (const ServiceKey& k : service.keys) {
      if (key != k.name) continue;
      owners.push_back(service.name);
      holds = k.holds;
    }
  }
  return "only the " + joined(owners, " and ") +
         (owners.size() == 1 ? " service takes " : " services take ") + holds;
}

}  // namespace

std::span<const ServiceEntry> services() {
  // The built-in services: a new one is one more line here.
  static const ServiceEntry table[] = {
      ack_service(),
      echo_service(),
      haproxy_agent_service(),
  };
  return table;
}

const ServiceEntry* find_service(std::string_view name) {
  for (const ServiceEntry& service : services()) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

std::string service_names_text() {
  std::vector<std::string_view> names;
  for (const ServiceEntry& service : services()) names.push_back(service.name);
  return joined(names, " or ");
}

bool is_service_key(std::string_view key) {
  const auto all = services();
  return std::any_of(all.begin(), all.end(), [&](const ServiceEntry& s) { return takes(s, key); });
}

ServiceOptionsPtr read_service_options(ConfigReader& reader, const ServiceEntry& service,
                                       const ServiceTable& listener) {
  for (auto&& [key, node] : listener.table) {
    std::string_view name = key.str();
    if (is_service_key(name) && !takes(service, name)) {
      reader.problem(node.source(), listener.prefix + std::string(name), only_others_take(name));
    }
  }
  return service.read_options(reader, listener);
}

std::unique_ptr<Service> make_service(const ListenerConfig& listener,
                                      const ServiceContext& context) {
  const ServiceEntry* service = find_service(listener.service);
  return service != nullptr ? service->make(listener.service_options.get(), context) : nullptr;
}

}  // namespace ackd

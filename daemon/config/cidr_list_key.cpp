#include "daemon/config/cidr_list_key.h"

#include <stdexcept>
#include <vector>

namespace ackd {

std::optional<CidrList> read_cidr_list(ConfigReader& reader, const toml::node& node,
                                       const std::string& key, std::string_view if_empty) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    reader.problem(node.source(), key,
                   "expected a list of address ranges like [\"10.0.0.0/8\", \"::1/128\"]");
    return std::nullopt;
  }
  if (array->empty()) {
    reader.problem(node.source(), key, std::string(if_empty));
    return std::nullopt;
  }
  std::vector<Cidr> entries;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& entry = (*array)[i];
    std::string entry_key = key + "[" + std::to_string(i) + "]";
    std::optional<std::string> text = entry.value<std::string>();
    if (!entry.is_string() || !text) {
      reader.problem(entry.source(), entry_key, "expected a string like \"10.0.0.0/8\"");
      ok = false;
      continue;
    }
    try {
      entries.push_back(parse_cidr(*text));
    } catch (const std::invalid_argument& e) {
      reader.problem(entry.source(), entry_key, e.what());
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return CidrList(std::move(entries));
}

}  // namespace ackd

#include "daemon/config/config_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <utility>

#include "daemon/config/config.h"

namespace ackd {
namespace {

constexpr int64_t kMaxProcesses = 1024;
constexpr const char* kSizeExpected = "a size: a number of bytes or a string like \"64MiB\"";
constexpr const char* kDurationExpected = "a duration like \"10s\" or \"250ms\"";

constexpr std::pair<const char*, uint64_t> kSizeUnits[] = {
    {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};

// "64MiB", "512KiB", "1GiB" or "100B". Throws std::invalid_argument.
uint64_t parse_size(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  for (const auto& [unit, scale] : kSizeUnits) {
    if (digits == 0 || text.substr(digits) != unit) continue;
    uint64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + digits, number);
    if (error != std::errc() || number > UINT64_MAX / scale) {
      throw std::invalid_argument("\"" + text + "\" is too large");
    }
    return number * scale;
  }
  throw std::invalid_argument("\"" + text + "\" is not a size like \"64MiB\" or 1048576");
}

std::string range_text(int64_t min, int64_t max) {
  if (max == INT64_MAX) return std::to_string(min) + " or more";
  return "from " + std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace

std::string format_size(uint64_t bytes) {
  for (const auto& [unit, scale] : kSizeUnits) {
    if (scale > 1 && bytes > 0 && bytes % scale == 0) return std::to_string(bytes / scale) + unit;
  }
  return std::to_string(bytes);
}

void ConfigReader::problem(const toml::source_region& where, const std::string& key,
                           const std::string& why) {
  std::ostringstream line;
  line << source_ << ':' << where.begin.line << ':' << where.begin.column << ": ";
  if (!key.empty()) line << key << ": ";
  line << why;
  problems_.push_back(line.str());
}

void ConfigReader::reject_unknown_keys(const toml::table& table, const std::string& prefix,
                                       std::span<const char* const> known) {
  for (auto&& [key, node] : table) {
    std::string_view name = key.str();  // clang < 16 cannot capture a structured binding
    bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return name == k; });
    if (!ok) problem(key.source(), prefix + std::string(key.str()), "unknown key");
  }
}

std::optional<std::string> ConfigReader::get_string(const toml::table& table,
                                                    const std::string& prefix, const char* key,
                                                    const std::string& expected) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (auto value = node->value<std::string>(); value && node->is_string()) return value;
  problem(node->source(), prefix + key, "expected " + expected);
  return std::nullopt;
}

std::optional<int64_t> ConfigReader::get_integer(const toml::table& table,
                                                 const std::string& prefix, const char* key,
                                                 int64_t min, int64_t max) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_integer()) {
    problem(node->source(), prefix + key, "expected an integer " + range_text(min, max));
    return std::nullopt;
  }
  int64_t value = *node->value<int64_t>();
  if (value < min || value > max) {
    problem(node->source(), prefix + key, "must be " + range_text(min, max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ConfigReader::get_bool(const toml::table& table, const std::string& prefix,
                                           const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_boolean()) {
    problem(node->source(), prefix + key, "expected true or false");
    return std::nullopt;
  }
  return *node->value<bool>();
}

std::optional<uint64_t> ConfigReader::get_size(const toml::table& table, const std::string& prefix,
                                               const char* key, uint64_t min, uint64_t max) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  std::optional<uint64_t> bytes;
  if (node->is_integer() && *node->value<int64_t>() >= 0) {
    bytes = static_cast<uint64_t>(*node->value<int64_t>());
  } else if (node->is_string()) {
    try {
      bytes = parse_size(*node->value<std::string>());
    } catch (const std::invalid_argument& e) {
      problem(node->source(), prefix + key, e.what());
      return std::nullopt;
    }
  }
  if (!bytes) {
    problem(node->source(), prefix + key, std::string("expected ") + kSizeExpected);
  } else if (*bytes < min || *bytes > max) {
    problem(node->source(), prefix + key,
            max == UINT64_MAX ? "must be " + format_size(min) + " or more"
                              : "must be from " + format_size(min) + " to " + format_size(max));
    bytes.reset();
  }
  return bytes;
}

std::optional<Duration> ConfigReader::get_duration(const toml::table& table,
                                                   const std::string& prefix, const char* key) {
  return get_parsed<Duration>(table, prefix, key, kDurationExpected, parse_duration);
}

std::optional<unsigned> ConfigReader::get_process_count(const toml::table& table,
                                                        const std::string& prefix,
                                                        const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (node->is_string() && *node->value<std::string>() == "auto") return 0u;
  if (node->is_integer()) {
    int64_t value = *node->value<int64_t>();
    if (value >= 1 && value <= kMaxProcesses) return static_cast<unsigned>(value);
  }
  problem(node->source(), prefix + key,
          "expected \"auto\" or a number from 1 to " + std::to_string(kMaxProcesses));
  return std::nullopt;
}

void ConfigReader::finish() const {
  if (!problems_.empty()) throw ConfigError(problems_);
}

}  // namespace ackd

// ConfigReader: reads typed values out of the TOML tables of a config and
// collects every problem with its position ("file:line:col: key: why"), so
// that one run of --check-config reports them all. Each getter says what it
// expected: a size, a duration, "auto" or a number, not "a string".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "common/duration.h"

namespace ackd {

class ConfigReader {
 public:
  explicit ConfigReader(std::string source) : source_(std::move(source)) {}

  void problem(const toml::source_region& where, const std::string& key, const std::string& why);
  void reject_unknown_keys(const toml::table& table, const std::string& prefix,
                           std::span<const char* const> known);

  // Each returns nullopt when the key is absent, or wrong (a problem then).
  // `expected` completes "expected ..." when the value is not a string.
  std::optional<std::string> get_string(const toml::table& table, const std::string& prefix,
                                        const char* key, const std::string& expected = "a string");
  std::optional<int64_t> get_integer(const toml::table& table, const std::string& prefix,
                                     const char* key, int64_t min, int64_t max);
  std::optional<bool> get_bool(const toml::table& table, const std::string& prefix,
                               const char* key);
  // Bytes: an integer, or a string like "64MiB"; from min to max.
  std::optional<uint64_t> get_size(const toml::table& table, const std::string& prefix,
                                   const char* key, uint64_t min, uint64_t max = UINT64_MAX);
  // A string like "10s" or "250ms".
  std::optional<Duration> get_duration(const toml::table& table, const std::string& prefix,
                                       const char* key);
  // A number of processes from 1 to 1024, or "auto" (0): one per CPU.
  std::optional<unsigned> get_process_count(const toml::table& table, const std::string& prefix,
                                            const char* key);

  // Runs parse(text) on a string value; its std::invalid_argument is a problem.
  template <typename T, typename Parse>
  std::optional<T> get_parsed(const toml::table& table, const std::string& prefix, const char* key,
                              const std::string& expected, Parse parse) {
    auto text = get_string(table, prefix, key, expected);
    if (!text) return std::nullopt;
    try {
      return parse(*text);
    } catch (const std::invalid_argument& e) {
      problem(table.get(key)->source(), prefix + key, e.what());
      return std::nullopt;
    }
  }

  // Throws ConfigError with every problem found, if there is one.
  void finish() const;

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

// "4KiB", "16MiB" or "1000": the spelling of a size in messages.
std::string format_size(uint64_t bytes);

}  // namespace ackd

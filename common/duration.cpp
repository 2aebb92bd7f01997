#include "common/duration.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace ackd {
namespace {

// Milliseconds per unit, or 0 for an unknown unit.
double unit_millis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  return 0;
}

[[noreturn]] void bad_duration(std::string_view text, const std::string& why) {
  throw std::invalid_argument("\"" + std::string(text) + "\" is not a duration (" + why +
                              "; e.g. \"250ms\", \"10s\", \"1m30s\")");
}

}  // namespace

Duration parse_duration(std::string_view text) {
  if (text.empty()) bad_duration(text, "empty");
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    std::string_view digits = text.substr(start, i - start);
    if (digits.empty() || digits.find('.') != digits.rfind('.') || digits.front() == '.' ||
        digits.back() == '.') {
      bad_duration(text, "expected a number");
    }
    double number = 0;
    try {
      number = std::stod(std::string(digits));
    } catch (const std::exception&) {
      bad_duration(text, "bad number");
    }
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    double millis = unit_millis(text.substr(unit_start, i - unit_start));
    if (millis == 0) bad_duration(text, "unit must be ms, s, m, h or d");
    total += number * millis;
  }
  if (total > 365.0 * 86'400'000) bad_duration(text, "longer than a year");
  return Duration(static_cast<int64_t>(std::llround(total)));
}

std::string format_duration(Duration duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string text;
  const std::pair<const char*, int64_t> units[] = {
      {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}};
  for (const auto& [name, size] : units) {
    if (ms >= size) {
      text += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return text;
}

}  // namespace ackd

#include "daemon/metrics/exporter/content_negotiation.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace ackd {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The next piece of `text` up to `separator` (removed from `text`).
std::string_view take(std::string_view& text, char separator) {
  size_t end = text.find(separator);
  std::string_view piece = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return trim(piece);
}

// One element of the Accept list: "type/subtype;param=value;q=0.5".
struct MediaRange {
  std::string type;     // lower case
  std::string version;  // the version parameter, "" if none
  double q = 1;         // 0: not acceptable
};

MediaRange parse_range(std::string_view element) {
  MediaRange range;
  range.type = lower(take(element, ';'));
  while (!element.empty()) {
    std::string_view parameter = take(element, ';');
    std::string name = lower(take(parameter, '='));
    std::string_view value = trim(parameter);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (name == "q") {
      double q = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), q);
      range.q = error == std::errc() && end == value.data() + value.size()
                    ? std::clamp(q, 0.0, 1.0)
                    : 0;  // a malformed weight: the element is ignored
    } else if (name == "version") {
      range.version = value;
    }
  }
  return range;
}

}  // namespace

Exposition choose_exposition(std::string_view accept) {
  double openmetrics = 0, text = 0;
  while (!accept.empty()) {
    MediaRange range = parse_range(take(accept, ','));
    if (range.type == "application/openmetrics-text" &&
        (range.version.empty() || range.version == "1.0.0")) {
      openmetrics = std::max(openmetrics, range.q);
    } else if ((range.type == "text/plain" &&
                (range.version.empty() || range.version == "0.0.4")) ||
               range.type == "text/*" || range.type == "*/*") {
      text = std::max(text, range.q);
    }
  }
  return openmetrics > text ? Exposition::kOpenMetrics : Exposition::kText;
}

}  // namespace ackd

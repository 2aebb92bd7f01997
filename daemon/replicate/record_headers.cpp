#include "daemon/replicate/record_headers.h"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "common/escape.h"

namespace ackd {

std::string rfc3339_ns(uint64_t unix_ns) {
  time_t seconds = static_cast<time_t>(unix_ns / 1000000000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     unix_ns % 1000000000);
}

std::string header_safe(std::string_view text) {
  std::string escaped = escape_for_log(text);
  for (char& c : escaped) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return escaped;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace ackd

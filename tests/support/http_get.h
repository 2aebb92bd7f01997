// A small HTTP/1.0 client for tests that read what ackd's exporter serves
// and query a Prometheus server: one GET per connection, read to EOF.
// Connection errors throw std::system_error; a reply that is not HTTP
// throws std::runtime_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ackd::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // the header lines, as received
  std::string body;
};

// `headers`: more request header lines, each ended by CRLF ("Accept: ...\r\n").
HttpReply http_get(uint16_t port, const std::string& target,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5),
                   const std::string& headers = "");

// The value of `name` (a series without labels, or with them, as written
// in the exposition: `ackd_processes{role="worker"}`) in a text-format body.
std::optional<double> metric_value(const std::string& body, const std::string& series);

}  // namespace ackd::test
